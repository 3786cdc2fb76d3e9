"""create_app(settings): the only place that wires the server together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from spyglass import __version__
from spyglass.server.api import api_routes
from spyglass.server.api import ingest as native_ingest
from spyglass.server.api.responses import JSON
from spyglass.server.compat import add_compat_routes
from spyglass.server.compat.langfuse.auth import key_table
from spyglass.server.compat.otlp import http as otlp_http
from spyglass.server.compat.otlp.grpc_server import start_grpc, stop_grpc
from spyglass.server.fast_path import SpyglassApp
from spyglass.server.model.records import ingest_body
from spyglass.server.settings import Settings
from spyglass.server.store.base import Store
from spyglass.server.ui import mount_static, ui_routes


def create_app(settings: Settings | None = None, store: Store | None = None, *, migrated: bool = False) -> FastAPI:
    """The app; `migrated=True` when the caller already applied the migrations (saves start-up time)."""
    settings = settings or Settings.from_env()
    key_table(settings.langfuse_keys)  # a malformed key table fails at start, not on the first request
    store = store or Store(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store.open(run_migrations=not migrated)
        grpc_server = None
        try:
            if settings.otlp_grpc:
                grpc_server = await start_grpc(store, settings.host, settings.otlp_grpc_port)
            yield
        finally:
            if grpc_server is not None:
                await stop_grpc(grpc_server)
            store.close()

    # The ingest endpoints are plain Starlette routes served ahead of FastAPI (fast_path.py):
    # its per-request routing, dependency and middleware work cost more than a small write.
    app = SpyglassApp(fast_routes=[*native_ingest.routes, *otlp_http.routes], title="Spyglass",
                      version=__version__, lifespan=lifespan, default_response_class=JSON,
                      description="Trace, evaluate and monitor LLM applications.")
    app.state.settings = settings
    app.state.store = store
    api_routes().build(app.router)
    add_compat_routes(app)
    ui_routes().build(app.router)
    mount_static(app)
    _document_ingest_schema(app)
    return app


def _document_ingest_schema(app: FastAPI) -> None:
    """Publish the plain ingest routes and the ingest body's JSON schema (a TypeAdapter, not a
    route model) in /openapi.json."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema["paths"] = {**native_ingest.OPENAPI_PATHS, **otlp_http.OPENAPI_PATHS, **schema["paths"]}
        body = ingest_body.json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["IngestBody"] = body
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
