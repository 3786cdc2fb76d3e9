"""A local stand-in for the OpenAI and Anthropic HTTP APIs (enough for their Python SDKs)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable

WEATHER_ARGS = '{"city": "Paris"}'
CHAT_USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15, "prompt_tokens_details": {"cached_tokens": 4}}


def chat_completion(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("tools"):
        call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": WEATHER_ARGS}}
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
        reason = "tool_calls"
    elif (body.get("response_format") or {}).get("type") == "json_schema":
        message, reason = {"role": "assistant", "content": WEATHER_ARGS}, "stop"
    else:
        message, reason = {"role": "assistant", "content": "Hello!"}, "stop"
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": body["model"] + "-2024",
        "choices": [{"index": 0, "message": message, "finish_reason": reason}], "usage": CHAT_USAGE,
    }


def chat_chunks(body: dict[str, Any]) -> Iterable[dict[str, Any]]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": body["model"] + "-2024"}

    def chunk(delta: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": reason}]}

    if body.get("tools"):
        yield chunk({"role": "assistant", "tool_calls": [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]})
        for part in ('{"city"', ': "Paris"}'):
            yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]})
        yield chunk({}, "tool_calls")
    else:
        for part in ("Hel", "lo", "!"):
            yield chunk({"content": part})
        yield chunk({}, "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        yield {**base, "choices": [], "usage": CHAT_USAGE}


def response_object(body: dict[str, Any], status: str = "completed") -> dict[str, Any]:
    text = {"type": "output_text", "text": "Hi there", "annotations": []}
    return {
        "id": "resp_1", "object": "response", "created_at": 1, "model": body["model"], "status": status,
        "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": [text]}],
        "usage": {"input_tokens": 9, "output_tokens": 2, "total_tokens": 11,
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
    }


def response_events(body: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield {"type": "response.created", "sequence_number": 0, "response": response_object(body, "in_progress")}
    for i, part in enumerate(("Hi ", "there")):
        yield {"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0,
               "delta": part, "sequence_number": i + 1, "logprobs": []}
    yield {"type": "response.completed", "sequence_number": 3, "response": response_object(body)}


ANTHROPIC_USAGE = {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 3, "cache_creation_input_tokens": 2}


def anthropic_message(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("tools"):
        content: list[dict[str, Any]] = [
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        ]
        reason = "tool_use"
    else:
        content, reason = [{"type": "text", "text": "Bonjour"}], "end_turn"
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"], "content": content,
            "stop_reason": reason, "stop_sequence": None, "usage": ANTHROPIC_USAGE}


def anthropic_events(body: dict[str, Any]) -> Iterable[dict[str, Any]]:
    start = {**anthropic_message(body), "content": [], "stop_reason": None,
             "usage": {"input_tokens": 10, "output_tokens": 1, "cache_read_input_tokens": 3, "cache_creation_input_tokens": 2}}
    yield {"type": "message_start", "message": start}
    yield {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    for part in ("Bon", "jour"):
        yield {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": part}}
    yield {"type": "content_block_stop", "index": 0}
    if body.get("tools"):
        yield {"type": "content_block_start", "index": 1,
               "content_block": {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}
        for part in ('{"city":', ' "Paris"}'):
            yield {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": part}}
        yield {"type": "content_block_stop", "index": 1}
    yield {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 5}}
    yield {"type": "message_stop"}


class LLMStub:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                path = self.path.split("?")[0]
                stub.requests.append((path, body))
                if body.get("model") == "fail-model":
                    return self._json(400, {"error": {"message": "model not found", "type": "invalid_request_error"}})
                streaming = bool(body.get("stream"))
                if path.endswith("/chat/completions"):
                    return self._sse(chat_chunks(body), done=True) if streaming else self._json(200, chat_completion(body))
                if path.endswith("/responses"):
                    return self._sse(response_events(body), named=True) if streaming else self._json(200, response_object(body))
                if path.endswith("/embeddings"):
                    data = [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}]
                    return self._json(200, {"object": "list", "data": data, "model": body["model"],
                                            "usage": {"prompt_tokens": 2, "total_tokens": 2}})
                if path.endswith("/messages"):
                    return self._sse(anthropic_events(body), named=True) if streaming else self._json(200, anthropic_message(body))
                self._json(404, {"error": {"message": "no route"}})

            def _json(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, events: Iterable[dict[str, Any]], done: bool = False, named: bool = False) -> None:
                lines = []
                for event in events:
                    if named:
                        lines.append(f"event: {event['type']}\n")
                    lines.append(f"data: {json.dumps(event)}\n\n")
                if done:
                    lines.append("data: [DONE]\n\n")
                data = "".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
