"""POST /api/v1/ingest and POST /api/v1/scores: validated at the edge, answered after commit."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from spyglass.server.api.body import read_body
from spyglass.server.api.responses import JSON
from spyglass.server.ingest.submit import write_items
from spyglass.server.model.validate import Validated, validate_ingest
from spyglass.server.store.base import Store

PROJECT = {"name": "project", "in": "query", "required": False, "schema": {"type": "string"},
           "description": "Project for records that name none (default: `default`)"}
RESULT = {"200": {"description": "`{accepted, rejected: [{kind, index, field, reason}]}`"},
          "422": {"description": "Nothing in the body was valid"}}
# These routes are plain Starlette routes (see app.py), so their OpenAPI entries are written here.
OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/ingest": {"post": {
        "tags": ["ingest"], "summary": "Write traces, spans and feedback scores", "parameters": [PROJECT],
        "requestBody": {"description": "Traces, spans and scores; see docs/ingest-api.md",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestBody"}}}},
        "responses": RESULT}},
    "/api/v1/scores": {"post": {
        "tags": ["ingest"], "summary": "Write feedback scores on traces, spans or threads", "parameters": [PROJECT],
        "description": "Body: a list of scores, or `{\"scores\": [...]}` (fields as in docs/ingest-api.md).",
        "responses": RESULT}},
}


async def write_validated(store: Store, validated: Validated, project: str | None) -> JSON:
    written = await write_items(store, validated.items, validated.project or project)
    status = 422 if validated.rejected and not written else 200
    return JSON({"accepted": validated.accepted, "rejected": validated.rejected}, status_code=status)


async def ingest(request: Request) -> JSON:
    store: Store = request.app.state.store
    raw = await read_body(request, store.settings.max_request_bytes)
    return await write_validated(store, validate_ingest(raw), request.query_params.get("project"))


async def scores(request: Request) -> JSON:
    store: Store = request.app.state.store
    raw = await read_body(request, store.settings.max_request_bytes)
    if raw.lstrip().startswith(b"["):
        raw = b'{"scores":' + raw + b"}"
    return await write_validated(store, validate_ingest(raw), request.query_params.get("project"))


routes = [Route("/api/v1/ingest", ingest, methods=["POST"]), Route("/api/v1/scores", scores, methods=["POST"])]
