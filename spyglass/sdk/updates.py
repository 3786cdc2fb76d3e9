"""Changing a span or trace after it started: fields, metadata merge, tags, feedback scores."""

from __future__ import annotations

from typing import Any, Iterable

from .context import submit_score
from .records import SPAN_TYPES, ScoreData, SpanData, TraceData

_UNSET: Any = object()


def merge_metadata(current: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any] | None:
    # Copy on write: option dicts are shared between the spans of one decorated function.
    if not new:
        return current
    return {**current, **new} if current else dict(new)


def merge_tags(current: list[str] | None, new: Iterable[str] | None) -> list[str] | None:
    if not new:
        return current
    out = list(current or ())
    out += [t for t in new if t not in out]
    return out


def scores_from(items: Iterable[Any], target: str, target_id: Any) -> list[ScoreData]:
    """Feedback scores given as dicts or objects with ``name``/``value``/``reason``."""
    out = []
    for item in items:
        get = item.get if isinstance(item, dict) else (lambda k, _i=item: getattr(_i, k, None))
        out.append(
            ScoreData(
                target, target_id, str(get("name")), get("value"), get("label"), get("reason"),
                project=None, source=get("source") or "sdk", author=get("author"),
            )
        )
    return out


def update_span(
    s: SpanData,
    *,
    name: str | None = None,
    type: str | None = None,
    input: Any = _UNSET,
    output: Any = _UNSET,
    metadata: dict[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    model: str | None = None,
    provider: str | None = None,
    usage: dict[str, Any] | Any | None = None,
    cost: float | None = None,
    error: Any = None,
    attributes: dict[str, Any] | None = None,
    feedback_scores: Iterable[Any] | None = None,
) -> None:
    if name is not None:
        s.name = name
    if type is not None and type in SPAN_TYPES:
        s.type = type
    if input is not _UNSET:
        s.input = input
    if output is not _UNSET:
        s.output = output
    s.metadata = merge_metadata(s.metadata, metadata)
    s.tags = merge_tags(s.tags, tags)
    s.attributes = merge_metadata(s.attributes, attributes)
    if model is not None:
        s.model = model
    if provider is not None:
        s.provider = provider
    if usage is not None:
        s.usage = usage
    if cost is not None:
        s.cost = cost
    if error is not None:
        s.error = error
    for score in scores_from(feedback_scores or (), "span", s.id):
        submit_score(s.trace, score)


def update_trace(
    t: TraceData,
    *,
    name: str | None = None,
    input: Any = _UNSET,
    output: Any = _UNSET,
    metadata: dict[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    thread_id: str | None = None,
    user_id: str | None = None,
    error: Any = None,
    feedback_scores: Iterable[Any] | None = None,
) -> None:
    if name is not None:
        t.name = name
    if input is not _UNSET:
        t.input = input
    if output is not _UNSET:
        t.output = output
    t.metadata = merge_metadata(t.metadata, metadata)
    t.tags = merge_tags(t.tags, tags)
    if thread_id is not None:
        t.thread_id = thread_id
    if user_id is not None:
        t.user_id = user_id
    if error is not None:
        t.error = error
    for score in scores_from(feedback_scores or (), "trace", t.id):
        submit_score(t, score)
