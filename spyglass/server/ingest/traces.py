"""One upsert row per trace and group: the trace's own fields plus what its spans add.

The state of each trace after the write (what rollups and threads need) is computed from its
state before and the rows written, as the upsert merges them (store/statements.py: a given
field replaces the stored one, totals add up), so nothing is read back.
"""

from __future__ import annotations

from typing import Any

from spyglass.server.ingest.lookups import TraceRow
from spyglass.server.ingest.prepare import TraceTotals

TOTAL_COLUMNS = ("span_count", "error_span_count", "prompt_tokens", "completion_tokens", "total_tokens")
OWN_FIELDS = ("name", "end_time", "input", "output", "metadata", "tags", "thread_id", "user_id", "error")


def _blank(trace_id: str, project_id: str, now: int) -> dict[str, Any]:
    return {"id": trace_id, "project_id": project_id, "start_time": None, "start_given": False,
            **dict.fromkeys(OWN_FIELDS), "created_at": now, "updated_at": now}


def _with_totals(row: dict[str, Any], totals: TraceTotals | None) -> dict[str, Any]:
    row = dict(row)
    for column in TOTAL_COLUMNS:
        row[column] = getattr(totals, column) if totals else 0
    row["cost"] = totals.cost if totals else None
    return row


def _merged(state: TraceRow | None, row: dict[str, Any]) -> TraceRow:
    """A trace's state after `row` is upserted over `state` (None: the row inserts it)."""
    if state is None:
        start, end = row["start_time"], row["end_time"]
        return TraceRow(row["id"], None, row["project_id"], start, end,
                        None if start is None or end is None else end - start, row["error"] is not None,
                        row["error_span_count"], row["thread_id"])
    start = state.start_time if row["start_time"] is None else row["start_time"]
    end = state.end_time if row["end_time"] is None else row["end_time"]
    return TraceRow(state.id, state.pk, state.project_id, start, end,
                    None if start is None or end is None else end - start,
                    state.has_error or row["error"] is not None, state.error_span_count + row["error_span_count"],
                    state.thread_id if row["thread_id"] is None else row["thread_id"])


def combine(own_rows: list[dict[str, Any]], totals: dict[str, TraceTotals], stored: dict[str, TraceRow], now: int
            ) -> tuple[list[dict[str, Any]], dict[str, TraceRow]]:
    """Rows to upsert, and the state of every trace they write once written."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in own_rows:
        by_id.setdefault(row["id"], []).append(row)
    for trace_id, tot in totals.items():
        by_id.setdefault(trace_id, [_blank(trace_id, tot.project_id, now)])
    rows: list[dict[str, Any]] = []
    states: dict[str, TraceRow] = {}
    for trace_id, group in by_id.items():
        tot = totals.get(trace_id)
        state = stored.get(trace_id)
        last = len(group) - 1
        for i, own in enumerate(group):
            row = _with_totals(own, tot if i == last else None)
            if not row["start_given"]:
                # Only a trace's first row may bring the stand-in start: a stored trace keeps its
                # start, and a new one starts with its earliest span, or now.
                row["start_time"] = None if state is not None else (tot.start_time if tot and tot.start_time
                                                                    else row["start_time"] or now)
            rows.append(row)
            state = _merged(state, row)
        states[trace_id] = state
    return rows, states
