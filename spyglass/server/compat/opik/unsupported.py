"""Everything else under /opik/api answers 501 with an Opik-shaped body naming the call, so an
unsupported SDK feature fails clearly instead of with a 404 or a 500."""

from __future__ import annotations

from fastapi import Request

from spyglass.server.compat.opik.routing import NotSupported, OpikRouter

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# Paths that would otherwise be read as a record id by GET .../{id}.
SHADOWED = ("/v1/private/traces/stats", "/v1/private/traces/exists", "/v1/private/spans/stats",
            "/v1/private/spans/exists", "/v1/private/projects/stats", "/v1/private/traces/threads/stats")

shadowed_router = OpikRouter(tags=["opik"], include_in_schema=False)
catch_all_router = OpikRouter(tags=["opik"], include_in_schema=False)


def not_supported(request: Request) -> None:
    path = request.url.path
    raise NotSupported(f"{request.method} {path} is not supported by Spyglass's Opik API (see docs/opik.md)")


for _path in SHADOWED:
    shadowed_router.add_api_route(_path, not_supported, methods=["GET"])
catch_all_router.add_api_route("/{path:path}", not_supported, methods=ALL_METHODS)
