"""Feedback scores from the UI: add, edit (an upsert on name + author) and remove, on traces,
spans and threads. Writes go through the same paths as POST/DELETE /api/v1/scores."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from spyglass.server.api.annotations import remove_score
from spyglass.server.api.deps import StoreDep
from spyglass.server.errors import SpyglassError
from spyglass.server.ingest.submit import write_items
from spyglass.server.model.records import score_in
from spyglass.server.routes import Routes
from spyglass.server.store import queries
from spyglass.server.store.base import Store
from spyglass.server.ui.render import render

router = Routes(prefix="/ui/scores", include_in_schema=False)
TARGETS = ("trace", "span", "thread")


def scores_context(store: Store, target: str, target_id: str, project: str, error: str | None = None
                   ) -> dict[str, Any]:
    # A score's key (target, id, name, author) is unique across projects, threads included.
    with store.read() as conn:
        found = queries.scores_for(conn, target, [target_id]).get(target_id, []) if target in TARGETS else []
    return {"scores": found, "target": target, "target_id": target_id, "project": project, "error": error}


async def read_form(request: Request) -> dict[str, str]:
    """HTMX posts url-encoded forms; parsed here so the server needs no multipart library."""
    body = await request.body()
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def _record(form: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {"target": form.get("target"), "target_id": form.get("target_id"),
                              "name": form.get("name", "").strip(), "source": "ui",
                              "project": form.get("project") or None}
    for key in ("value", "label", "reason", "author"):
        text = form.get(key, "").strip()
        if text:
            record[key] = text
    return record


@router.post("", response_class=HTMLResponse)
async def save_score(store: StoreDep, request: Request) -> Response:
    form = await read_form(request)
    error = None
    try:
        record = score_in.validate_python(_record(form))
        if record.get("value") is None and not record.get("label"):
            raise ValueError("give a value or a label")
        await write_items(store, {"scores": [record]}, record.get("project"))
    except ValidationError as exc:
        first = exc.errors()[0]
        error = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    except (ValueError, SpyglassError) as exc:
        error = getattr(exc, "message", None) or str(exc)
    context = scores_context(store, form.get("target", ""), form.get("target_id", ""), form.get("project", ""),
                             error)
    return render(request, "_scores.html", context)


@router.post("/delete", response_class=HTMLResponse)
async def delete_score(store: StoreDep, request: Request) -> Response:
    form = await read_form(request)
    target, target_id = form.get("target", ""), form.get("target_id", "")
    error = None
    try:
        await remove_score(store, target, target_id, form.get("name", ""), form.get("author") or None)
    except SpyglassError as exc:
        error = exc.message
    return render(request, "_scores.html", scores_context(store, target, target_id, form.get("project", ""), error))
