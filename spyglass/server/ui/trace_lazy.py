"""Big traces in the trace view: the first levels ride in the page, a span's children load when it
is expanded, and search runs on the server. No request ever sends every span of the trace."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.model.convert import now_us
from spyglass.server.routes import Routes
from spyglass.server.store import queries
from spyglass.server.store.base import Store
from spyglass.server.store.trace_shape import LAZY_FIELDS, first_levels, lazy_rows, search_ids, trace_shape
from spyglass.server.ui.render import to_json

router = Routes(include_in_schema=False)
FIRST_LEVELS = 2
FIRST_LIMIT = 5_000  # spans sent when a big trace opens
CHILDREN_LIMIT = 2_000  # children per request; more come with the next offset
SEARCH_LIMIT = 500


def _doc(shape_t0: int | None, shape_t1: int | None, rows: list[list[Any]], **extra: Any) -> dict[str, Any]:
    return {"fields": LAZY_FIELDS, "rows": rows, "lazy": True, "t0": shape_t0, "t1": shape_t1, **extra}


def lazy_doc(store: Store, trace: dict[str, Any], selected: str | None) -> dict[str, Any]:
    """What a big trace's page carries: the first levels (and the path to a selected span)."""
    with store.read() as conn:
        shape = trace_shape(conn, trace["id"])
        ids, expanded = first_levels(shape, FIRST_LEVELS, FIRST_LIMIT, selected)
        rows = lazy_rows(conn, shape, ids)
    return _doc(shape.t0, shape.t1, rows, expanded=expanded, total=len(shape.parent), now=now_us(),
                running=trace["end_time"] is None)


def _json(value: Any) -> Response:
    return Response(to_json(value), media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get("/traces/{trace_id}/children")
def trace_children(store: StoreDep, trace_id: str, parent: str, offset: int = 0) -> Response:
    """Children of one span, in start order, CHILDREN_LIMIT at a time."""
    with store.read() as conn:
        queries.get_trace(conn, trace_id)  # 404 for an unknown trace
        shape = trace_shape(conn, trace_id)
        kids = shape.children.get(parent, [])
        offset = max(0, offset)
        chunk = kids[offset:offset + CHILDREN_LIMIT]
        rows = lazy_rows(conn, shape, chunk)
    return _json(_doc(shape.t0, shape.t1, rows, parent=parent, next=offset + len(chunk), kids=len(kids)))


@router.get("/traces/{trace_id}/search")
def trace_search(store: StoreDep, trace_id: str, q: str = "") -> Response:
    """Spans whose name or model holds `q`, with their ancestors (so the tree can show the path)."""
    with store.read() as conn:
        queries.get_trace(conn, trace_id)
        shape = trace_shape(conn, trace_id)
        ids = search_ids(conn, shape, trace_id, q.strip()[:200], SEARCH_LIMIT) if q.strip() else []
        rows = lazy_rows(conn, shape, ids)
    return _json(_doc(shape.t0, shape.t1, rows, q=q, limit=SEARCH_LIMIT))
