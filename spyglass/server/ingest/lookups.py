"""The writer's reads inside its transaction: which records exist, and their state before a write."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection

from spyglass.server.ingest.rows import SpanState, state_of
from spyglass.server.store import tables as t
from spyglass.server.store.prepared import raw_cursor

CHUNK = 2000


def _marks(conn: Connection, count: int) -> str:
    """`count` parameter placeholders in the driver's style, for an IN list."""
    return ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * count)


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


SPAN_STATE_COLUMNS = (t.span.c.id, t.span.c.pk, t.span.c.project_id, t.span.c.trace_id, t.span.c.start_time,
                      t.span.c.type, t.span.c.model, t.span.c.provider, t.span.c.prompt_tokens,
                      t.span.c.completion_tokens, t.span.c.total_tokens, t.span.c.usage, t.span.c.cost,
                      t.span.c.error.is_not(None).label("has_error"))


class TraceRow(NamedTuple):
    """The columns of a trace that rollups and threads depend on (`pk` is None for a trace
    this group creates: its state is known without reading it back)."""

    id: str
    pk: int | None
    project_id: str
    start_time: int | None
    end_time: int | None
    duration: int | None
    has_error: bool
    error_span_count: int
    thread_id: str | None


TRACE_ROW_SQL = ("SELECT id, pk, project_id, start_time, end_time, duration, error IS NOT NULL, error_span_count, "
                 "thread_id FROM trace WHERE id IN ({marks})")


def traces_and_stored_spans(conn: Connection, trace_ids: Iterable[str], span_ids: list[str]
                            ) -> tuple[dict[str, TraceRow], list[str]]:
    """`select_traces`, and which of `span_ids` are stored: one statement where both fit, since
    every statement of a group commit may wait for the interpreter lock or a core to come back."""
    trace_ids = list(trace_ids)
    if not trace_ids or not span_ids or len(trace_ids) + len(span_ids) > CHUNK:
        return select_traces(conn, trace_ids), existing_ids(conn, "span", span_ids)
    sql = (TRACE_ROW_SQL.format(marks=_marks(conn, len(trace_ids))) + " UNION ALL SELECT id, NULL, NULL, NULL, "
           f"NULL, NULL, NULL, NULL, NULL FROM span WHERE id IN ({_marks(conn, len(span_ids))})")
    cursor = raw_cursor(conn)
    cursor.execute(sql, (*trace_ids, *span_ids))
    traces: dict[str, TraceRow] = {}
    spans: list[str] = []
    for row in cursor.fetchall():
        if row[1] is None:  # a span: stored traces always have their key
            spans.append(row[0])
        else:
            traces[row[0]] = _trace_row(row)
    return traces, spans


def _trace_row(row: Any) -> TraceRow:
    """A TraceRow from a row selected with TRACE_ROW_SQL's columns."""
    return TraceRow(*row[:6], bool(row[6]), *row[7:])


def select_traces(conn: Connection, ids: Iterable[str]) -> dict[str, TraceRow]:
    """The stored state of the traces among `ids` (the writer's hot path, so plain SQL)."""
    found: dict[str, TraceRow] = {}
    cursor = raw_cursor(conn)
    for part in chunks(list(ids)):
        cursor.execute(TRACE_ROW_SQL.format(marks=_marks(conn, len(part))), tuple(part))
        for row in cursor.fetchall():
            found[row[0]] = _trace_row(row)
    return found


def select_spans(conn: Connection, where: Any) -> dict[str, tuple[int, SpanState]]:
    return {row.id: (row.pk, state_of(row._mapping, is_error=bool(row.has_error), cost_given=False))
            for row in conn.execute(select(*SPAN_STATE_COLUMNS).where(where))}


def existing_ids(conn: Connection, table: str, ids: list[str]) -> list[str]:
    """Which of `ids` are stored: answered from the unique index alone, without reading rows."""
    found: list[str] = []
    cursor = raw_cursor(conn)
    for part in chunks(ids):
        cursor.execute(f"SELECT id FROM {table} WHERE id IN ({_marks(conn, len(part))})", tuple(part))
        found.extend(r[0] for r in cursor.fetchall())
    return found


def traces_of_spans(conn: Connection, span_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(span_ids):
        found.update(conn.execute(select(t.span.c.trace_id).where(t.span.c.id.in_(part))).scalars())
    return found


def select_spans_by_id(conn: Connection, ids: list[str]) -> dict[str, tuple[int, SpanState]]:
    found: dict[str, tuple[int, SpanState]] = {}
    for part in chunks(existing_ids(conn, "span", ids)):
        found.update(select_spans(conn, t.span.c.id.in_(part)))
    return found
