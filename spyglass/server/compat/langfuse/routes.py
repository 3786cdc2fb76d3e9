"""POST /api/public/otel/v1/traces (the Langfuse SDK's span export), plus the key check and
health calls the SDK and its tooling make. Traces go through the OTLP receiver unchanged."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from spyglass import __version__
from spyglass.server.api.deps import StoreDep
from spyglass.server.compat.langfuse.auth import project_for
from spyglass.server.compat.otlp.http import error_response, receive
from spyglass.server.errors import SpyglassError
from spyglass.server.routes import Routes

router = Routes(prefix="/api/public", tags=["langfuse"])


@router.post("/otel/v1/traces", summary="Langfuse SDK trace export (OTLP/HTTP); see docs/otlp.md")
async def otel_traces(store: StoreDep, request: Request) -> Response:
    try:
        project = project_for(request, store.settings.langfuse_keys)
    except SpyglassError as exc:
        return error_response(exc, as_json=request.headers.get("content-type", "").startswith("application/json"))
    return await receive(request, store, project)


@router.get("/projects", summary="The project the Langfuse keys write to (the SDK's auth_check)")
def projects(store: StoreDep, request: Request) -> dict[str, Any]:
    project = project_for(request, store.settings.langfuse_keys)
    return {"data": [{"id": project, "name": project, "metadata": {},
                      "organization": {"id": "spyglass", "name": "Spyglass"}}]}


@router.get("/health", summary="Liveness, in the shape Langfuse tooling expects")
def health() -> dict[str, str]:
    return {"status": "OK", "version": __version__}
