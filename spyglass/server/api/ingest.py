"""POST /api/v1/ingest and POST /api/v1/scores: validated at the edge, answered after commit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from spyglass.server.api.responses import JSON

from spyglass.server.api.body import read_body
from spyglass.server.api.deps import get_store
from spyglass.server.ingest.prepare import prepare, project_names
from spyglass.server.model.validate import Validated, validate_ingest
from spyglass.server.store.base import Store
from spyglass.server.store.projects import now_us

router = APIRouter(tags=["ingest"])

INGEST_BODY = {"description": "Traces, spans and scores; see docs/ingest-api.md",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestBody"}}}}


async def write_items(store: Store, items: dict[str, list[dict[str, Any]]], project: str | None) -> int:
    """Prepare and write validated records; returns how many were written."""
    default_project = project or store.settings.default_project
    if not any(items.values()):
        return 0
    project_ids = await store.project_ids_for_write(project_names(items, default_project))
    work = prepare(items, project_ids, default_project, store.statements.span, now_us())
    await store.writer.write(work)
    return work.size


async def write_validated(store: Store, validated: Validated, project: str | None) -> JSON:
    written = await write_items(store, validated.items, validated.project or project)
    status = 422 if validated.rejected and not written else 200
    return JSON({"accepted": validated.accepted, "rejected": validated.rejected}, status_code=status)


@router.post("/api/v1/ingest", summary="Write traces, spans and feedback scores",
             openapi_extra={"requestBody": INGEST_BODY})
async def ingest(request: Request, project: str | None = None, store: Store = Depends(get_store)) -> Any:
    raw = await read_body(request, store.settings.max_request_bytes)
    return await write_validated(store, validate_ingest(raw), project)


@router.post("/api/v1/scores", summary="Write feedback scores on traces, spans or threads")
async def scores(request: Request, project: str | None = None, store: Store = Depends(get_store)) -> Any:
    """Body: a list of scores, or `{"scores": [...]}` (fields as in docs/ingest-api.md)."""
    raw = await read_body(request, store.settings.max_request_bytes)
    stripped = raw.lstrip()
    if stripped.startswith(b"["):
        raw = b'{"scores":' + raw + b"}"
    return await write_validated(store, validate_ingest(raw), project)
