"""Validated records -> table rows, and the merged state the writer tracks per record.

`None` in a row means "not given": the upsert keeps the stored value (see store/statements.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spyglass.server.ingest import pricing
from spyglass.server.ingest.rollups import SpanFacts, TraceFacts
from spyglass.server.model import attributes
from spyglass.server.model.convert import dump_json, load_json, to_us


def trace_row(rec: dict[str, Any], project_id: str, now: int) -> dict[str, Any]:
    """A new trace without a start time starts now (lists page by start time); the writer
    clears that stand-in when the trace already exists (see ingest/traces.py)."""
    start = to_us(rec.get("start_time"))
    return {
        "id": rec["id"],
        "project_id": project_id,
        "name": rec.get("name"),
        "start_time": now if start is None else start,
        "start_given": start is not None,
        "end_time": to_us(rec.get("end_time")),
        "input": dump_json(rec.get("input")),
        "output": dump_json(rec.get("output")),
        "metadata": dump_json(rec.get("metadata")),
        "tags": dump_json(rec.get("tags")),
        "thread_id": rec.get("thread_id"),
        "user_id": rec.get("user_id"),
        "error": dump_json(rec.get("error")),
        "created_at": now,
        "updated_at": now,
    }


@dataclass(slots=True)
class SpanState:
    """The columns of a span that rollups, trace totals and cost depend on."""

    project_id: str
    trace_id: str
    start_time: int | None = None
    type: str = "general"
    model: str | None = None
    provider: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost: float | None = None
    is_error: bool = False
    cost_given: bool = False

    def facts(self) -> SpanFacts:
        return SpanFacts(self.project_id, self.start_time, self.is_error, self.type == "llm",
                         self.prompt_tokens or 0, self.completion_tokens or 0, self.total_tokens or 0, self.cost)


def state_of(columns: Mapping[str, Any], *, is_error: bool, cost_given: bool) -> SpanState:
    """A span's state from its stored columns, or from the row `span_row` prepared (the same
    values: a new span's state need not travel with its row)."""
    usage = load_json(columns["usage"]) or {}
    return SpanState(columns["project_id"], columns["trace_id"], columns["start_time"], columns["type"],
                     columns["model"], columns["provider"], columns["prompt_tokens"], columns["completion_tokens"],
                     columns["total_tokens"], usage.get("cached_tokens"), usage.get("cache_write_tokens"),
                     columns["cost"], is_error, cost_given)


def span_row(rec: dict[str, Any], project_id: str, now: int) -> tuple[dict[str, Any], SpanState]:
    """The row to upsert for one span record, and the span's state if it is new."""
    usage = rec.get("usage") or {}
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    total = usage.get("total_tokens")
    if total is None and (prompt is not None or completion is not None):
        total = (prompt or 0) + (completion or 0)
    error = rec.get("error")
    start = to_us(rec.get("start_time"))
    state = SpanState(project_id, rec["trace_id"], start if start is not None else now, rec.get("type") or "general",
                      rec.get("model"), rec.get("provider"), prompt, completion, total, usage.get("cached_tokens"),
                      usage.get("cache_write_tokens"), rec.get("cost"), error is not None, rec.get("cost") is not None)
    if not state.cost_given:
        state.cost = computed_cost(state)
    stored_attributes, refs = attributes.compact(rec.get("attributes"), rec.get("input"), rec.get("output"))
    row = {
        "id": rec["id"],
        "trace_id": rec["trace_id"],
        "parent_span_id": rec.get("parent_span_id"),
        "project_id": project_id,
        "name": rec.get("name"),
        "type": state.type,
        "start_time": state.start_time,
        "end_time": to_us(rec.get("end_time")),
        "input": dump_json(rec.get("input")),
        "output": dump_json(rec.get("output")),
        "metadata": dump_json(rec.get("metadata")),
        "tags": dump_json(rec.get("tags")),
        "model": state.model,
        "provider": state.provider,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total,
        "usage": dump_json(usage) if usage else None,
        "cost": state.cost,
        "error": dump_json(error),
        "attributes": dump_json(stored_attributes),
        "attribute_refs": dump_json(refs),
        "events": dump_json(rec.get("events")),
        "created_at": now,
        "updated_at": now,
    }
    return row, state


def _given(new: Any, old: Any) -> Any:
    return old if new is None else new


def merge(prev: SpanState, given: SpanState, raw: dict[str, Any]) -> SpanState:
    """The state after `given` (from record `raw`) is written over a stored span `prev`."""
    usage = raw.get("usage") or {}
    merged = SpanState(
        project_id=prev.project_id,
        trace_id=given.trace_id,
        start_time=prev.start_time if raw.get("start_time") is None else given.start_time,
        type=prev.type if raw.get("type") is None else given.type,
        model=_given(given.model, prev.model),
        provider=_given(given.provider, prev.provider),
        prompt_tokens=_given(given.prompt_tokens, prev.prompt_tokens),
        completion_tokens=_given(given.completion_tokens, prev.completion_tokens),
        total_tokens=_given(given.total_tokens, prev.total_tokens),
        cached_tokens=_given(usage.get("cached_tokens"), prev.cached_tokens),
        cache_write_tokens=_given(usage.get("cache_write_tokens"), prev.cache_write_tokens),
        cost=given.cost if given.cost_given else prev.cost,
        is_error=given.is_error or prev.is_error,
        cost_given=given.cost_given,
    )
    # Recompute only when the write brings a model or usage and the stored cost was computed;
    # a cost the client sent stands (it may have come in an update that overtook the create).
    if not given.cost_given and (raw.get("model") or usage) and not _sent_by_client(prev):
        merged.cost = _given(computed_cost(merged), prev.cost)
    return merged


def _sent_by_client(state: SpanState) -> bool:
    """A stored cost that the price table does not give for the stored model and usage was sent."""
    if state.cost is None:
        return False
    computed = computed_cost(state)
    return computed is None or not math.isclose(computed, state.cost, rel_tol=1e-9, abs_tol=1e-15)


def computed_cost(state: SpanState) -> float | None:
    """Cost from the price table when the client sent none; an unknown model stays unknown."""
    if state.model is None or (state.prompt_tokens is None and state.completion_tokens is None):
        return None
    return pricing.compute_cost(
        state.model, state.provider, state.prompt_tokens or 0, state.completion_tokens or 0,
        cached_tokens=state.cached_tokens or 0, cache_write_tokens=state.cache_write_tokens or 0,
    )


def trace_facts(row: Any) -> TraceFacts:
    """Rollup facts from a selected trace row (see queries in ingest/apply.py)."""
    return TraceFacts(row.project_id, row.start_time, row.duration, row.has_error or row.error_span_count > 0)
