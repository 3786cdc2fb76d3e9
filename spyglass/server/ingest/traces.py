"""One upsert row per trace and group: the trace's own fields plus what its spans add.

A trace seen for the first time needs no read-back: its state after the write is the row
itself. Only traces that existed before (or appear twice in the group) are read again.
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


def _state(row: dict[str, Any]) -> TraceRow:
    start, end = row["start_time"], row["end_time"]
    return TraceRow(row["id"], None, row["project_id"], start, end,
                    None if start is None or end is None else end - start, row["error"] is not None,
                    row["error_span_count"], row["thread_id"])


def combine(own_rows: list[dict[str, Any]], totals: dict[str, TraceTotals], existing: set[str], now: int
            ) -> tuple[list[dict[str, Any]], dict[str, TraceRow], set[str]]:
    """Rows to upsert, the state of each new trace, and the ids whose state must be read back."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in own_rows:
        by_id.setdefault(row["id"], []).append(row)
    for trace_id, tot in totals.items():
        by_id.setdefault(trace_id, [_blank(trace_id, tot.project_id, now)])
    rows: list[dict[str, Any]] = []
    states: dict[str, TraceRow] = {}
    read_back: set[str] = set()
    for trace_id, group in by_id.items():
        tot = totals.get(trace_id)
        rows.extend(_with_totals(row, None) for row in group[:-1])
        last = _with_totals(group[-1], tot)
        if not last["start_given"]:
            # A stored trace keeps its start; a new one starts with its earliest span, or now.
            last["start_time"] = None if trace_id in existing else (tot.start_time if tot and tot.start_time
                                                                     else last["start_time"] or now)
        rows.append(last)
        if trace_id in existing or len(group) > 1:
            read_back.add(trace_id)
        else:
            states[trace_id] = _state(last)
    return rows, states, read_back
