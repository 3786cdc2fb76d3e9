"""Rollup deltas: what one write adds to (or takes from) the per-minute rollup tables.

A write can create, change or remove a record, so every record contributes `new - old`;
that keeps the rollups exact under upserts, duplicate delivery and deletes.
Latency is kept as a histogram with log-spaced buckets (ratio 2**(1/8), about 9 % wide),
so percentiles over any range are a sum of bucket counts: ~4.5 % error at most.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from spyglass.server.model.convert import US_PER_MINUTE

BUCKETS_PER_DOUBLING = 8


def latency_bucket(duration_us: int) -> int:
    if duration_us <= 1:
        return 0
    return int(math.log2(duration_us) * BUCKETS_PER_DOUBLING)


def bucket_value_us(bucket: int) -> float:
    """The geometric middle of a bucket."""
    return 2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING)


def percentiles(histogram: dict[int, int], quantiles: tuple[float, ...]) -> list[float | None]:
    total = sum(histogram.values())
    if total <= 0:
        return [None for _ in quantiles]
    out: list[float | None] = []
    ordered = sorted(histogram.items())
    for q in quantiles:
        rank, seen = q * total, 0
        for bucket, count in ordered:
            seen += count
            if seen >= rank:
                out.append(bucket_value_us(bucket))
                break
        else:
            out.append(bucket_value_us(ordered[-1][0]))
    return out


class TraceFacts(NamedTuple):
    """What a trace row contributes to the rollups."""

    project_id: str
    start_time: int | None
    duration: int | None
    is_error: bool


class SpanFacts(NamedTuple):
    project_id: str
    start_time: int | None
    is_error: bool
    is_llm: bool
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: float | None


class ScoreFacts(NamedTuple):
    project_id: str
    name: str
    time: int
    value: float | None


def _no_scores() -> list[float]:
    """[count, total]; a named function, so that a delta can be pickled to another process."""
    return [0, 0.0]


MINUTE_COLUMNS = (
    "trace_count", "trace_errors", "span_count", "span_errors", "llm_calls",
    "prompt_tokens", "completion_tokens", "total_tokens", "cost",
)


@dataclass
class RollupDelta:
    minutes: dict[tuple[str, int], dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    latency: dict[tuple[str, int, int], int] = field(default_factory=lambda: defaultdict(int))
    scores: dict[tuple[str, int, str], list[float]] = field(default_factory=lambda: defaultdict(_no_scores))

    def _add(self, project_id: str, time_us: int, sign: int, values: dict[str, float]) -> None:
        row = self.minutes[(project_id, time_us // US_PER_MINUTE)]
        for key, value in values.items():
            if value:
                row[key] = row.get(key, 0) + sign * value

    def trace(self, facts: TraceFacts | None, sign: int) -> None:
        if facts is None or facts.start_time is None:
            return
        self._add(facts.project_id, facts.start_time, sign, {"trace_count": 1, "trace_errors": int(facts.is_error)})
        if facts.duration is not None and facts.duration >= 0:
            minute = facts.start_time // US_PER_MINUTE
            self.latency[(facts.project_id, minute, latency_bucket(facts.duration))] += sign

    def span(self, facts: SpanFacts | None, sign: int) -> None:
        if facts is None or facts.start_time is None:
            return
        self._add(facts.project_id, facts.start_time, sign, {
            "span_count": 1, "span_errors": int(facts.is_error), "llm_calls": int(facts.is_llm),
            "prompt_tokens": facts.prompt_tokens, "completion_tokens": facts.completion_tokens,
            "total_tokens": facts.total_tokens, "cost": facts.cost or 0.0,
        })

    def score(self, facts: ScoreFacts | None, sign: int) -> None:
        if facts is None or facts.value is None:
            return
        entry = self.scores[(facts.project_id, facts.time // US_PER_MINUTE, facts.name)]
        entry[0] += sign
        entry[1] += sign * facts.value

    def change(self, kind: str, old: object, new: object) -> None:
        """Record the replacement of `old` facts by `new` facts (either may be None)."""
        if old == new:
            return
        record = getattr(self, kind)
        record(old, -1)
        record(new, +1)

    def merge(self, other: RollupDelta) -> None:
        for key, values in other.minutes.items():
            row = self.minutes[key]
            for column, value in values.items():
                row[column] = row.get(column, 0) + value
        for lkey, count in other.latency.items():
            self.latency[lkey] += count
        for skey, (count, total) in other.scores.items():
            entry = self.scores[skey]
            entry[0] += count
            entry[1] += total

    def minute_rows(self) -> list[dict[str, object]]:
        rows = []
        for (project_id, minute), values in self.minutes.items():
            if any(values.values()):
                rows.append({"project_id": project_id, "minute": minute,
                             **{c: values.get(c, 0) for c in MINUTE_COLUMNS}})
        return rows

    def latency_rows(self) -> list[dict[str, object]]:
        return [{"project_id": p, "minute": m, "bucket": b, "count": c}
                for (p, m, b), c in self.latency.items() if c]

    def score_rows(self) -> list[dict[str, object]]:
        return [{"project_id": p, "minute": m, "name": n, "count": c, "total": t}
                for (p, m, n), (c, t) in self.scores.items() if c or t]
