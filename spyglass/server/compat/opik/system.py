"""Health, version, the API-key check, the workspace name, and the UI links the SDK prints.

Authentication: Spyglass accepts any `Authorization` value (or none) and any `Comet-Workspace`
on the Opik API; everything lands in Spyglass's one workspace.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Header, Query, Request
from starlette.responses import RedirectResponse, Response

from spyglass.server.compat.opik.routing import OpikRouter

# What `is-alive/ver` reports. The SDK compares it with 2.2.8 to choose parallel dataset uploads
# (below it, sequential ones and a warning). Parallel batches are safe here: each takes the
# dataset's lock and becomes a version of its own, as a sequential batch does.
OPIK_API_VERSION = "2.2.8"

router = OpikRouter(tags=["opik"])
ui_router = OpikRouter(tags=["opik"])  # outside the /api prefix: the SDK's printed UI links


@router.get("/is-alive/ping", summary="Liveness, as the opik SDK's connection monitor checks it")
def ping() -> dict[str, bool]:
    return {"healthy": True}


@router.get("/is-alive/ver", summary="The Opik API version Spyglass speaks")
def version() -> dict[str, str]:
    return {"version": OPIK_API_VERSION}


@router.post("/v1/private/auth", status_code=204, summary="API key check (Opik().auth_check(), Dify's config test)")
def auth() -> Response:
    return Response(status_code=204)


@router.get("/v1/private/auth/workspace", summary="The workspace name the SDK uses in UI links")
def workspace(comet_workspace: Annotated[str | None, Header()] = None) -> dict[str, str]:
    return {"workspace_name": comet_workspace or "default"}


def _to_ui(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(str(request.base_url).rstrip("/") + path, status_code=302)


@router.get("/v1/session/redirect/projects", summary="The SDK's trace links -> the Spyglass trace page")
def redirect_trace(request: Request, trace_id: Annotated[str | None, Query()] = None) -> RedirectResponse:
    return _to_ui(request, f"/traces/{quote(trace_id, safe='')}" if trace_id else "/")


@ui_router.get("/{workspace}/redirect/projects", summary="get_project_url() links -> the project's traces")
def redirect_project(request: Request, workspace: str, name: Annotated[str | None, Query()] = None
                     ) -> RedirectResponse:
    return _to_ui(request, f"/projects/{quote(name, safe='')}/traces" if name else "/")
