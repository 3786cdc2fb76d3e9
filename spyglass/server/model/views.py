"""Stored rows -> the JSON shapes the API returns (times ISO-8601 UTC, durations in ms)."""

from __future__ import annotations

from typing import Any

from spyglass.server.model.attributes import expand
from spyglass.server.model.convert import from_us, load_json


def _ms(us: int | None) -> float | None:
    return None if us is None else us / 1000


def score_view(row: Any) -> dict[str, Any]:
    return {
        "name": row.name, "value": row.value, "label": row.label, "reason": row.reason,
        "source": row.source, "author": row.author or None, "target": row.target_type,
        "target_id": row.target_id, "evaluator_trace_id": row.evaluator_trace_id,
        "time": from_us(row.time), "updated_at": from_us(row.updated_at),
    }


def trace_view(row: Any, project: str, scores: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    error = load_json(row.error)
    is_error = error is not None or row.error_span_count > 0
    return {
        "id": row.id,
        "project": project,
        "name": row.name,
        "start_time": from_us(row.start_time),
        "end_time": from_us(row.end_time),
        "duration_ms": _ms(row.duration),
        "status": "error" if is_error else ("running" if row.end_time is None else "ok"),
        "input": load_json(row.input),
        "output": load_json(row.output),
        "metadata": load_json(row.metadata) or {},
        "tags": load_json(row.tags) or [],
        "thread_id": row.thread_id,
        "user_id": row.user_id,
        "error": error,
        "span_count": row.span_count,
        "error_span_count": row.error_span_count,
        "usage": {"prompt_tokens": row.prompt_tokens, "completion_tokens": row.completion_tokens,
                  "total_tokens": row.total_tokens},
        "cost": row.cost,
        "feedback_scores": scores or [],
    }


def span_view(row: Any, project: str, scores: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    error = load_json(row.error)
    span_input, span_output = load_json(row.input), load_json(row.output)
    return {
        "id": row.id,
        "trace_id": row.trace_id,
        "parent_span_id": row.parent_span_id,
        "project": project,
        "name": row.name,
        "type": row.type,
        "start_time": from_us(row.start_time),
        "end_time": from_us(row.end_time),
        "duration_ms": _ms(row.duration),
        "status": "error" if error is not None else ("running" if row.end_time is None else "ok"),
        "input": span_input,
        "output": span_output,
        "metadata": load_json(row.metadata) or {},
        "tags": load_json(row.tags) or [],
        "model": row.model,
        "provider": row.provider,
        "usage": load_json(row.usage),
        "cost": row.cost,
        "error": error,
        "attributes": expand(load_json(row.attributes), load_json(row.attribute_refs), span_input, span_output) or {},
        "events": load_json(row.events) or [],
        "feedback_scores": scores or [],
    }


def thread_view(row: Any, project: str, scores: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": row.thread_id,
        "project": project,
        "start_time": from_us(row.start_time),
        "last_activity": from_us(row.end_time),
        "duration_ms": _ms(None if row.start_time is None or row.end_time is None else row.end_time - row.start_time),
        "turn_count": row.trace_count,
        "feedback_scores": scores or [],
    }
