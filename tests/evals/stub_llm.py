"""A scriptable stand-in for OpenAI-compatible and Anthropic chat APIs, on 127.0.0.1.

Queue replies with :meth:`StubLLM.reply`; each request takes the next one. A text reply is
wrapped in the shape of the endpoint that was called (``/chat/completions`` -> an OpenAI
chat completion, ``/messages`` -> an Anthropic message). Replies can carry any status,
headers, a raw body and a delay. With the queue empty, ``responder(body) -> Reply`` answers
(default: HTTP 500, so a missing script fails loudly). Every request is recorded, and the
peak number of requests in flight is tracked.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
ANTHROPIC_USAGE = {"input_tokens": 90, "output_tokens": 20, "cache_read_input_tokens": 10}


@dataclass
class Reply:
    text: str | None = None
    status: int = 200
    body: Any = None  # a JSON body sent as is (instead of wrapping text)
    raw: bytes | None = None  # bytes sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: dict[str, int] | None = None
    model: str | None = None


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def prompt(self) -> str:
        """The last user message's text."""
        users = [m for m in self.messages if m.get("role") == "user"]
        return users[-1]["content"] if users else ""


def openai_completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub", "object": "chat.completion", "created": 1, "model": reply.model or body.get("model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": "stop"}],
        "usage": reply.usage if reply.usage is not None else USAGE,
    }


def anthropic_message(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {
        "id": "msg_stub", "type": "message", "role": "assistant", "model": reply.model or body.get("model"),
        "content": [{"type": "text", "text": reply.text}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": reply.usage if reply.usage is not None else ANTHROPIC_USAGE,
    }


def _no_script(body: dict[str, Any]) -> Reply:
    return Reply(status=500, body={"error": {"message": "the stub has no scripted reply left"}})


class StubLLM:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: deque[Reply] = deque()
        self.responder: Callable[[dict[str, Any]], Reply] = _no_script
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # clients that time out hang up: fine
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def reply(self, text: str | None = None, **options: Any) -> StubLLM:
        self.script.append(Reply(text, **options))
        return self

    def replies(self, *texts: str) -> StubLLM:
        for text in texts:
            self.reply(text)
        return self

    def json_reply(self, payload: Any, **options: Any) -> StubLLM:
        return self.reply(json.dumps(payload), **options)

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.script:
                return self.script.popleft()
        return self.responder(body)

    def _enter(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(Recorded(path, headers, body, time.monotonic()))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _payload(self, path: str, body: dict[str, Any], reply: Reply) -> bytes:
        if reply.raw is not None:
            return reply.raw
        if reply.body is not None:
            return json.dumps(reply.body).encode()
        shaped = anthropic_message(body, reply) if path.endswith("/messages") else openai_completion(body, reply)
        return json.dumps(shaped).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw or b"{}")
                path = self.path
                stub._enter(path, {k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    reply = stub._next(body)
                    if reply.delay:
                        time.sleep(reply.delay)
                    data = stub._payload(path.split("?")[0], body, reply)
                finally:
                    stub._leave()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
