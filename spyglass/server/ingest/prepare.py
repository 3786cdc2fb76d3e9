"""Turn one request's validated records into ready-to-run statement parameters.

This runs on the request's side, in parallel with the writer thread, so the writer's per-span
work is only an existence check and the insert itself. Rollup and trace-total contributions
are summed here as if every span were new; the writer corrects the few that already exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spyglass.server.ingest.rollups import RollupDelta
from spyglass.server.ingest.rows import SpanState, span_row, trace_row
from spyglass.server.store.prepared import Prepared


@dataclass
class TraceTotals:
    """What a group's spans add to their trace's derived totals."""

    project_id: str
    start_time: int | None = None
    span_count: int = 0
    error_span_count: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: float | None = None

    def add(self, state: SpanState | None, sign: int) -> None:
        if state is None:
            return
        self.span_count += sign
        self.error_span_count += sign * int(state.is_error)
        self.prompt_tokens += sign * (state.prompt_tokens or 0)
        self.completion_tokens += sign * (state.completion_tokens or 0)
        self.total_tokens += sign * (state.total_tokens or 0)
        if state.cost is not None:
            self.cost = (self.cost or 0.0) + sign * state.cost
        if sign > 0 and state.start_time is not None:
            self.start_time = state.start_time if self.start_time is None else min(self.start_time, state.start_time)

    def merge(self, other: TraceTotals) -> None:
        self.span_count += other.span_count
        self.error_span_count += other.error_span_count
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.total_tokens += other.total_tokens
        if other.cost is not None:
            self.cost = (self.cost or 0.0) + other.cost
        if other.start_time is not None:
            self.start_time = other.start_time if self.start_time is None else min(self.start_time, other.start_time)


def totals_for(totals: dict[str, TraceTotals], trace_id: str, project_id: str) -> TraceTotals:
    found = totals.get(trace_id)
    if found is None:
        found = totals[trace_id] = TraceTotals(project_id)
    return found


def add_totals(totals: dict[str, TraceTotals], state: SpanState, sign: int) -> None:
    totals_for(totals, state.trace_id, state.project_id).add(state, sign)


# What the writer reads of a span record when the span is already stored (rows.merge, and
# whether a cost was sent). Only these travel with the prepared rows, which may come from
# another process; the span's state is rebuilt from its row when a merge needs it.
MERGE_FIELDS = ("id", "start_time", "type", "model", "usage", "cost")


@dataclass
class Ingest:
    """One request's writes, prepared for the writer."""

    traces: list[dict[str, Any]] = field(default_factory=list)
    span_records: list[dict[str, Any]] = field(default_factory=list)  # the fields a merge reads (MERGE_FIELDS)
    span_params: list[Any] = field(default_factory=list)
    scores: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    default_project_id: str = ""
    rollups: RollupDelta = field(default_factory=RollupDelta)
    totals: dict[str, TraceTotals] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.traces) + len(self.span_params) + len(self.scores)


def prepare(
    items: dict[str, list[dict[str, Any]]],
    project_ids: dict[str, str],
    default_project: str,
    span_statement: Prepared,
    now: int,
) -> Ingest:
    """`project_ids` maps every project name the records use (and the default) to its id."""
    default_id = project_ids[default_project]
    ingest = Ingest(default_project_id=default_id)
    for rec in items.get("traces", ()):
        ingest.traces.append(trace_row(rec, project_ids[rec.get("project") or default_project], now))
    params = span_statement.params
    for rec in items.get("spans", ()):
        row, state = span_row(rec, project_ids[rec.get("project") or default_project], now)
        ingest.span_records.append({key: rec.get(key) for key in MERGE_FIELDS})
        ingest.span_params.append(params(row))
        ingest.rollups.span(state.facts(), +1)
        add_totals(ingest.totals, state, +1)
    for rec in items.get("scores", ()):
        name = rec.get("project")
        ingest.scores.append((rec, project_ids[name] if name else None))
    return ingest


def project_names(items: dict[str, list[dict[str, Any]]], default_project: str) -> set[str]:
    names = {default_project}
    for kind in ("traces", "spans", "scores"):
        names.update(rec["project"] for rec in items.get(kind, ()) if rec.get("project"))
    return names
