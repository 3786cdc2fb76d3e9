"""Reads: every query the API and UI run, with keyset pagination and filter-language support."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, func, select
from sqlalchemy.engine import Connection

from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.model.views import score_view, span_view, thread_view, trace_view
from spyglass.server.query import FilterError, compile_filter
from spyglass.server.store import tables as t
from spyglass.server.store.pagination import Sort, after, encode_cursor, order_by

MAX_LIMIT = 1000

# Sortable fields per table; `tokens` is an alias users expect.
SORTABLE = {
    "trace": {"start_time": "start_time", "end_time": "end_time", "duration": "duration", "name": "name",
              "tokens": "total_tokens", "total_tokens": "total_tokens", "cost": "cost", "span_count": "span_count"},
    "span": {"start_time": "start_time", "end_time": "end_time", "duration": "duration", "name": "name",
             "tokens": "total_tokens", "total_tokens": "total_tokens", "cost": "cost", "model": "model"},
}


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor}


def parse_sort(kind: str, sort: str | None, table: Table) -> Sort:
    text = (sort or "-start_time").strip()
    descending = text.startswith("-")
    name = text.lstrip("-+")
    column_name = SORTABLE[kind].get(name)
    if column_name is None:
        raise BadRequest(f"sort: cannot sort by {name!r}; choose one of {', '.join(sorted(SORTABLE[kind]))}")
    column = table.c[column_name]
    if column_name == "start_time":
        return Sort(column, descending)  # never NULL, and the index serves it as is
    default = "" if column_name in ("name", "model") else -1
    return Sort(func.coalesce(column, default), descending)


def _filter(text: str | None, kind: str, conn: Connection) -> Any:
    if not text or not text.strip():
        return None
    try:
        return compile_filter(text, kind, conn.dialect.name)
    except FilterError as exc:
        raise BadRequest(f"filter: {exc}", detail={"field": "filter", "position": exc.position}) from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit: must be between 1 and {MAX_LIMIT}")
    return limit


def scores_for(conn: Connection, target_type: str, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return found
    sc = t.feedback_score.c
    rows = conn.execute(select(t.feedback_score).where(sc.target_type == target_type, sc.target_id.in_(ids))
                        .order_by(sc.name, sc.pk))
    for row in rows:
        found[row.target_id].append(score_view(row))
    return found


def _page(conn: Connection, kind: str, table: Table, project_id: str, filter_text: str | None, sort: str | None,
          limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    order = parse_sort(kind, sort, table)
    conditions = [table.c.project_id == project_id]
    where = _filter(filter_text, kind, conn)
    if where is not None:
        conditions.append(where)
    if cursor:
        conditions.append(after(order, table.c.pk, cursor))
    query = select(table, order.expression.label("_sort")).where(and_(*conditions))
    rows = conn.execute(query.order_by(*order_by(order, table.c.pk)).limit(check_limit(limit) + 1)).all()
    next_cursor = encode_cursor(rows[limit - 1]._sort, rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


def list_traces(conn: Connection, project_id: str, project: str, *, filter_text: str | None = None,
                sort: str | None = None, limit: int = 50, cursor: str | None = None) -> Page:
    rows, next_cursor = _page(conn, "trace", t.trace, project_id, filter_text, sort, limit, cursor)
    scores = scores_for(conn, "trace", [r.id for r in rows])
    return Page([trace_view(r, project, scores.get(r.id)) for r in rows], next_cursor)


def list_spans(conn: Connection, project_id: str, project: str, *, filter_text: str | None = None,
               sort: str | None = None, limit: int = 50, cursor: str | None = None) -> Page:
    rows, next_cursor = _page(conn, "span", t.span, project_id, filter_text, sort, limit, cursor)
    scores = scores_for(conn, "span", [r.id for r in rows])
    return Page([span_view(r, project, scores.get(r.id)) for r in rows], next_cursor)


def project_name(conn: Connection, project_id: str) -> str:
    return str(conn.execute(select(t.project.c.name).where(t.project.c.id == project_id)).scalar())


def get_trace(conn: Connection, trace_id: str) -> dict[str, Any]:
    row = conn.execute(select(t.trace).where(t.trace.c.id == trace_id)).first()
    if row is None:
        raise NotFound(f"trace {trace_id!r} not found")
    return trace_view(row, project_name(conn, row.project_id), scores_for(conn, "trace", [row.id]).get(row.id))


def spans_of_trace(conn: Connection, trace_id: str, project: str) -> list[dict[str, Any]]:
    s = t.span.c
    rows = conn.execute(select(t.span).where(s.trace_id == trace_id).order_by(s.start_time, s.pk)).all()
    scores = scores_for(conn, "span", [r.id for r in rows])
    return [span_view(r, project, scores.get(r.id)) for r in rows]


def get_span(conn: Connection, span_id: str) -> dict[str, Any]:
    row = conn.execute(select(t.span).where(t.span.c.id == span_id)).first()
    if row is None:
        raise NotFound(f"span {span_id!r} not found")
    return span_view(row, project_name(conn, row.project_id), scores_for(conn, "span", [row.id]).get(row.id))


def as_tree(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nest spans under their parents; a span whose parent is unknown becomes a root."""
    by_id = {s["id"]: {**s, "children": []} for s in spans}
    roots = []
    for node in by_id.values():
        parent = by_id.get(node["parent_span_id"] or "")
        (parent["children"] if parent is not None else roots).append(node)
    return roots


def list_threads(conn: Connection, project_id: str, project: str, *, limit: int = 50,
                 cursor: str | None = None) -> Page:
    order = Sort(t.thread.c.end_time, True)
    conditions = [t.thread.c.project_id == project_id, t.thread.c.trace_count > 0]
    if cursor:
        conditions.append(after(order, t.thread.c.pk, cursor))
    rows = conn.execute(select(t.thread).where(*conditions).order_by(*order_by(order, t.thread.c.pk))
                        .limit(check_limit(limit) + 1)).all()
    next_cursor = encode_cursor(rows[limit - 1].end_time, rows[limit - 1].pk) if len(rows) > limit else None
    scores = scores_for(conn, "thread", [r.thread_id for r in rows[:limit]])
    return Page([thread_view(r, project, scores.get(r.thread_id)) for r in rows[:limit]], next_cursor)


def get_thread(conn: Connection, project_id: str, project: str, thread_id: str) -> dict[str, Any]:
    th = t.thread.c
    row = conn.execute(select(t.thread).where(th.project_id == project_id, th.thread_id == thread_id)).first()
    if row is None or row.trace_count <= 0:
        raise NotFound(f"thread {thread_id!r} not found in project {project!r}")
    tc = t.trace.c
    traces = conn.execute(select(t.trace).where(tc.project_id == project_id, tc.thread_id == thread_id)
                          .order_by(tc.start_time, tc.pk)).all()
    trace_scores = scores_for(conn, "trace", [r.id for r in traces])
    view = thread_view(row, project, scores_for(conn, "thread", [thread_id]).get(thread_id))
    view["traces"] = [trace_view(r, project, trace_scores.get(r.id)) for r in traces]
    return view
