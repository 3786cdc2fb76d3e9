"""Routing shared by every Opik endpoint: the prefix, trailing-slash variants and Opik-shaped errors.

Opik answers errors as `{"code": n, "message": "..."}` (some endpoints as `{"errors": [...]}`);
the SDK only looks at the status, but people read the body in its logs, so both keys are sent.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from spyglass.server.api.responses import JSON
from spyglass.server.errors import SpyglassError

PREFIX = "/opik/api"


class NotSupported(SpyglassError):
    """An Opik feature Spyglass does not offer: 501, so a client can tell it from a bug."""

    status = 501


def opik_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    headers = dict(headers or {})
    if status == 429 and "Retry-After" in headers:
        # The opik SDK waits and retries a 429 only when it finds this header.
        headers.setdefault("RateLimit-Reset", headers["Retry-After"])
    return JSON({"code": status, "message": message, "errors": [message]}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"] if p not in ("body", "query", "path"))
        parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts) or "invalid request"


class OpikRoute(APIRoute):
    """Turns Spyglass errors and request validation errors into Opik-shaped error bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SpyglassError as exc:
                return opik_error(exc.status, exc.message, exc.headers)
            except RequestValidationError as exc:
                return opik_error(400, _validation_message(exc))

        return handle


class OpikRouter(APIRouter):
    """An APIRouter of OpikRoutes whose routes also answer with a trailing slash (the SDK
    tolerates one in OPIK_URL_OVERRIDE, and the 501 catch-all stops Starlette's own slash
    redirect)."""

    def __init__(self, *, slash_variants: bool = True, **kwargs: Any) -> None:
        super().__init__(route_class=OpikRoute, default_response_class=JSON, **kwargs)
        self.slash_variants = slash_variants

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        if self.slash_variants and not path.endswith("/"):
            super().add_api_route(path + "/", endpoint, **{**kwargs, "include_in_schema": False})
