"""ASGI middleware (Starlette, FastAPI, ...): one span per HTTP request, continuing the
caller's trace when the request carries a ``traceparent`` header."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

from .propagation import attach_context
from .span import span

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SpyglassMiddleware:
    """``app.add_middleware(SpyglassMiddleware)`` or ``SpyglassMiddleware(app)``."""

    def __init__(self, app: ASGIApp, *, span_type: str = "general", exclude_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.span_type = span_type
        self.exclude_paths = exclude_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(self.exclude_paths or ("\0",)):
            await self.app(scope, receive, send)
            return
        status: dict[str, int] = {}

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        method = scope.get("method", "GET")
        meta = {"http.method": method, "http.path": path}
        with attach_context(scope.get("headers") or []):
            with span(f"{method} {path}", type=self.span_type, metadata=meta) as s:
                try:
                    await self.app(scope, receive, send_and_record)
                except BaseException:
                    s.update(metadata={"http.status_code": status.get("code", 500)})
                    raise  # the span records the exception itself
                code = status.get("code", 500)
                s.update(metadata={"http.status_code": code})
                if code >= 500:
                    s.update(error={"type": "HTTPError", "message": f"HTTP {code}"})
