"""A real HTTP server on 127.0.0.1 that records what the SDK sends and answers as told."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any = None


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Sink:
    def __init__(self, port: int = 0) -> None:
        self.requests: list[Request] = []
        self.replies: deque[Reply] = deque()  # consumed one per request, then default 200
        self.get_routes: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
                if raw:
                    data = gzip.decompress(raw) if req.headers.get("content-encoding") == "gzip" else raw
                    req.body = json.loads(data)
                with sink.lock:
                    sink.requests.append(req)
                    reply = sink.replies.popleft() if sink.replies and self.command == "POST" else None
                if reply is None:
                    reply = sink.default_reply(req)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = json.dumps(reply.body).encode() if reply.body is not None else b"{}"
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

        return Handler

    def default_reply(self, req: Request) -> Reply:
        if req.method == "GET":
            route = req.path.split("?")[0]
            if route in self.get_routes:
                value = self.get_routes[route]
                return value(req) if callable(value) else Reply(200, value)
            return Reply(404, {"detail": "not found"})
        counts = {k: len(req.body.get(k, [])) for k in ("traces", "spans", "scores")} if req.body else {}
        return Reply(200, {"accepted": counts, "rejected": []})

    def ingested(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            reqs = [r for r in self.requests if r.method == "POST" and r.body]
        return [item for r in reqs for item in r.body.get(kind, [])]

    def posts(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
