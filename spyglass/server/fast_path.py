"""The app class: the ingest endpoints are served straight from its ASGI entry point.

FastAPI's middleware stack (error pages, exception handlers, the exit stack for dependencies,
the body-size check) costs as much per request as a one-span write. The ingest endpoints read
and check their bodies themselves, so their requests skip it; every other request takes the
whole stack. The same error answers (`error_response`) serve both ways.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from spyglass.server.api.responses import JSON
from spyglass.server.errors import SpyglassError

log = logging.getLogger("spyglass")
Endpoint = Callable[[Request], Awaitable[Response]]


def error_response(request: Request, exc: Exception) -> Response:
    """The answer to an exception a handler let through (logged when it is unexpected)."""
    if isinstance(exc, SpyglassError):
        return JSON(exc.body(), status_code=exc.status, headers=exc.headers)
    if isinstance(exc, RequestValidationError):
        errors = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "reason": e["msg"]}
                  for e in exc.errors()]
        message = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return JSON({"error": message, "detail": errors}, status_code=422)
    if isinstance(exc, OperationalError):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSON({"error": "database unavailable, retry later"}, status_code=503, headers={"Retry-After": "5"})
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSON({"error": "internal error"}, status_code=500)


class SpyglassApp(FastAPI):
    def __init__(self, *, fast_routes: list[Route], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fast_endpoints: dict[str, Endpoint] = {route.path: route.endpoint for route in fast_routes}
        # Also on the router: OpenAPI, trailing-slash redirects and 405s come from there.
        self.router.routes[0:0] = fast_routes
        for exc_class in (SpyglassError, RequestValidationError, OperationalError, Exception):
            self.add_exception_handler(exc_class, error_response)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            endpoint = self.fast_endpoints.get(scope["path"])
            if endpoint is not None:
                scope["app"] = self
                request = Request(scope, receive)
                try:
                    response = await endpoint(request)
                except Exception as exc:  # noqa: BLE001 - every failure gets an answer
                    response = error_response(request, exc)
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
