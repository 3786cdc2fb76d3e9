"""Light reads for the trace view: span skeletons without payloads, so big traces open fast."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from spyglass.server.store import tables as t

SKELETON_COLUMNS = (t.span.c.id, t.span.c.parent_span_id, t.span.c.name, t.span.c.type, t.span.c.start_time,
                    t.span.c.end_time, t.span.c.model, t.span.c.total_tokens, t.span.c.cost,
                    t.span.c.error.is_not(None).label("has_error"))
# Column order of each skeleton row sent to the browser (arrays are a third the size of objects).
SKELETON_FIELDS = ("id", "parent", "name", "type", "start_us", "end_us", "model", "tokens", "cost", "error")


def span_skeletons(conn: Connection, trace_id: str, *, since_us: int | None = None) -> list[list[Any]]:
    """Every span of a trace as a compact row in start order. `since_us` keeps only spans
    written or updated after that time (the live view polls with it)."""
    s = t.span.c
    query = select(*SKELETON_COLUMNS).where(s.trace_id == trace_id)
    if since_us is not None:
        query = query.where(s.updated_at > since_us)
    rows = conn.execute(query.order_by(s.start_time, s.pk))
    return [skeleton_row(r) for r in rows]


def skeleton_row(r: Any) -> list[Any]:
    """One row of SKELETON_COLUMNS as a list in SKELETON_FIELDS order."""
    return [r.id, r.parent_span_id, r.name, r.type, r.start_time, r.end_time, r.model, r.total_tokens, r.cost,
            bool(r.has_error)]
