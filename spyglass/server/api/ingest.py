"""POST /api/v1/ingest and POST /api/v1/scores: validated at the edge, answered after commit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from spyglass.server.api.body import read_body
from spyglass.server.api.deps import StoreDep
from spyglass.server.api.responses import JSON
from spyglass.server.ingest.submit import write_items
from spyglass.server.model.validate import Validated, validate_ingest
from spyglass.server.store.base import Store

router = APIRouter(tags=["ingest"])

INGEST_BODY = {"description": "Traces, spans and scores; see docs/ingest-api.md",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestBody"}}}}


async def write_validated(store: Store, validated: Validated, project: str | None) -> JSON:
    written = await write_items(store, validated.items, validated.project or project)
    status = 422 if validated.rejected and not written else 200
    return JSON({"accepted": validated.accepted, "rejected": validated.rejected}, status_code=status)


@router.post("/api/v1/ingest", summary="Write traces, spans and feedback scores",
             openapi_extra={"requestBody": INGEST_BODY})
async def ingest(store: StoreDep, request: Request, project: str | None = None) -> Any:
    raw = await read_body(request, store.settings.max_request_bytes)
    return await write_validated(store, validate_ingest(raw), project)


@router.post("/api/v1/scores", summary="Write feedback scores on traces, spans or threads")
async def scores(store: StoreDep, request: Request, project: str | None = None) -> Any:
    """Body: a list of scores, or `{"scores": [...]}` (fields as in docs/ingest-api.md)."""
    raw = await read_body(request, store.settings.max_request_bytes)
    stripped = raw.lstrip()
    if stripped.startswith(b"["):
        raw = b'{"scores":' + raw + b"}"
    return await write_validated(store, validate_ingest(raw), project)
