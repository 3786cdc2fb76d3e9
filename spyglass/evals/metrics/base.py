"""The metric contract shared by offline experiments and online evaluation.

A metric is a small object with a ``name`` and ``score(**fields) -> ScoreResult``. It
declares the fields it needs (``requires``) and the ones it reads when present (``uses``),
from the five that callers provide: ``input``, ``output``, ``expected``, ``context`` and
``messages``. Any other keyword is accepted and ignored, so a caller can pass a whole
dataset item or trace.

Callers never call ``score`` directly: :func:`safe_score` / :func:`asafe_score` check the
required fields and turn any exception into a ``ScoreResult`` whose ``error`` says what went
wrong, so one bad item never stops a run. Metrics are shared between threads (``evaluate``
uses a thread pool) and event loops, so they keep no per-call state on ``self``.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

FIELDS = ("input", "output", "expected", "context", "messages")

# Other names for the standard fields, as found in dataset items and peer SDKs.
ALIASES = {
    "expected_output": "expected",
    "reference": "expected",
    "ground_truth": "expected",
    "contexts": "context",
    "conversation": "messages",
}


@dataclass(slots=True)
class ScoreResult:
    """One metric's verdict on one item.

    ``value`` is ``None`` exactly when the metric could not score (then ``error`` says why).
    ``metadata`` holds details: matched spans, per-turn scores, the judge's usage and cost.
    """

    name: str
    value: float | None
    reason: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "value": self.value, "reason": self.reason}
        if self.metadata:
            out["metadata"] = self.metadata
        if self.error is not None:
            out["error"] = self.error
        return out

    def as_feedback(self) -> dict[str, Any]:
        """The feedback-score form (``name``, ``value``, ``reason``) the SDK and server store."""
        return {"name": self.name, "value": self.value, "reason": self.reason}


class Metric:
    """Base class. Subclasses set ``name``, ``requires``/``uses`` and implement ``score``.

    ``score_range`` and ``higher_is_better`` describe the value for comparisons and docs;
    ``blocking`` marks metrics whose ``score`` is slow (models, network) so that ``ascore``
    runs it in a worker thread instead of on the event loop.
    """

    name: str = "metric"
    requires: tuple[str, ...] = ("output",)
    uses: tuple[str, ...] = ()
    score_range: tuple[float, float] = (0.0, 1.0)
    higher_is_better: bool = True
    blocking: bool = False

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name

    def score(self, **fields: Any) -> ScoreResult:
        raise NotImplementedError

    async def ascore(self, **fields: Any) -> ScoreResult:
        if self.blocking:
            return await asyncio.to_thread(self.score, **fields)
        return self.score(**fields)

    def result(self, value: float | bool | None, reason: str | None = None, **metadata: Any) -> ScoreResult:
        """A result named after this metric; booleans become 1.0 / 0.0."""
        number = None if value is None else float(value)
        return ScoreResult(self.name, number, reason, metadata)

    def __call__(self, **fields: Any) -> ScoreResult:
        return safe_score(self, fields)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def resolve_path(obj: Any, path: str) -> Any:
    """``"input.messages.0.content"`` -> obj["input"]["messages"][0]["content"]; None if absent."""
    current = obj
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, (list, tuple)) and part.lstrip("-").isdigit():
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else None
        else:
            current = getattr(current, part, None)
        if current is None:
            return None
    return current


def fields_from(source: Mapping[str, Any], mapping: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Metric fields from a dataset item, a trace or any dict.

    Keys keep their names, known aliases (``expected_output`` -> ``expected``) are renamed,
    and ``mapping`` picks fields by dotted path: ``{"context": "metadata.docs"}``.
    """
    out: dict[str, Any] = {}
    for key, value in source.items():
        out[ALIASES.get(key, key)] = value
    for canonical in ALIASES.values():  # a canonical key wins over its alias
        if canonical in source:
            out[canonical] = source[canonical]
    for name, path in (mapping or {}).items():
        out[name] = resolve_path(source, path)
    return out


def missing_fields(metric: Metric, fields: Mapping[str, Any]) -> list[str]:
    return [f for f in metric.requires if fields.get(f) is None]


def _failure(metric: Metric, message: str, started: float) -> ScoreResult:
    return ScoreResult(getattr(metric, "name", type(metric).__name__), None, None,
                       {"duration_ms": _ms(started)}, error=message)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _checked(metric: Metric, result: Any, started: float) -> ScoreResult:
    if not isinstance(result, ScoreResult):
        return _failure(metric, f"score() returned {type(result).__name__}, not ScoreResult", started)
    if result.value is not None:
        value = result.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return _failure(metric, f"score() returned a non-numeric or non-finite value {result.value!r}", started)
        result.value = float(result.value)
    result.metadata.setdefault("duration_ms", _ms(started))
    return result


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def safe_score(metric: Metric, fields: Mapping[str, Any], mapping: Mapping[str, str] | None = None) -> ScoreResult:
    """Score one item; never raises (except KeyboardInterrupt and friends)."""
    started = time.perf_counter()
    values = fields_from(fields, mapping)
    missing = missing_fields(metric, values)
    if missing:
        return _failure(metric, f"missing required field(s): {', '.join(missing)}", started)
    try:
        result = metric.score(**values)
    except Exception as exc:
        return _failure(metric, _describe(exc), started)
    return _checked(metric, result, started)


async def asafe_score(
    metric: Metric, fields: Mapping[str, Any], mapping: Mapping[str, str] | None = None
) -> ScoreResult:
    """The async twin of :func:`safe_score`."""
    started = time.perf_counter()
    values = fields_from(fields, mapping)
    missing = missing_fields(metric, values)
    if missing:
        return _failure(metric, f"missing required field(s): {', '.join(missing)}", started)
    try:
        result = await metric.ascore(**values)
    except Exception as exc:
        return _failure(metric, _describe(exc), started)
    return _checked(metric, result, started)


def score_all(
    metrics: list[Metric], fields: Mapping[str, Any], mapping: Mapping[str, str] | None = None
) -> list[ScoreResult]:
    """Every metric on one item, in order (for evaluate() workers and online jobs)."""
    return [safe_score(m, fields, mapping) for m in metrics]


async def ascore_all(
    metrics: list[Metric], fields: Mapping[str, Any], mapping: Mapping[str, str] | None = None
) -> list[ScoreResult]:
    """Every metric on one item, concurrently."""
    return list(await asyncio.gather(*(asafe_score(m, fields, mapping) for m in metrics)))
