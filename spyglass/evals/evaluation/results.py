"""What an evaluation run produces: one result per dataset item, per-metric summaries, the
comparison with a baseline experiment, and the experiment it was recorded as."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..metrics.base import ScoreResult
from ..stats import MeanDelta


@dataclass(slots=True)
class ItemResult:
    """One dataset item's run: what went in, what came out, how it scored."""

    dataset_item_id: str
    item: dict[str, Any]
    output: Any = None
    trace_id: str | None = None
    task_error: str | None = None
    duration_ms: float | None = None
    scores: dict[str, ScoreResult] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.task_error is not None

    def value(self, metric: str) -> float | None:
        found = self.scores.get(metric)
        return None if found is None else found.value


@dataclass(slots=True)
class MetricSummary:
    """One metric over the run: the mean of the scored items, how many were scored, how many failed."""

    name: str
    mean: float | None
    count: int
    errors: int
    higher_is_better: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mean": self.mean, "count": self.count, "errors": self.errors,
                "higher_is_better": self.higher_is_better}


@dataclass(slots=True)
class Comparison:
    """This run against a baseline experiment, metric by metric (paired by dataset item)."""

    baseline_id: str
    baseline_name: str
    deltas: list[MeanDelta]

    @property
    def regressions(self) -> list[MeanDelta]:
        """Only the significant drops (the confidence interval of the change excludes zero)."""
        return [d for d in self.deltas if d.regression]

    def delta(self, metric: str) -> MeanDelta | None:
        return next((d for d in self.deltas if d.metric == metric), None)


@dataclass(slots=True)
class EvaluationResult:
    experiment_id: str
    experiment_name: str
    dataset_name: str
    dataset_version: int
    items: list[ItemResult]
    metrics: dict[str, MetricSummary]
    comparison: Comparison | None = None
    url: str | None = None
    compare_url: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def means(self) -> dict[str, float | None]:
        """Mean score per metric (None when no item could be scored)."""
        return {name: summary.mean for name, summary in self.metrics.items()}

    @property
    def task_errors(self) -> list[ItemResult]:
        return [item for item in self.items if item.failed]

    @property
    def regressions(self) -> list[MeanDelta]:
        return self.comparison.regressions if self.comparison else []

    def scores(self, metric: str) -> dict[str, float]:
        """``{dataset_item_id: value}`` of the items the metric scored."""
        return {i.dataset_item_id: v for i in self.items if (v := i.value(metric)) is not None}


def summarize(items: list[ItemResult], names: list[str], directions: dict[str, bool]) -> dict[str, MetricSummary]:
    """Per metric: mean over the items it scored, count, and errors (metric failures and items
    whose task failed, which could not be scored)."""
    out: dict[str, MetricSummary] = {}
    for name in names:
        values = [v for item in items if (v := item.value(name)) is not None]
        errors = sum(1 for item in items if item.value(name) is None)
        mean = math.fsum(values) / len(values) if values else None
        out[name] = MetricSummary(name, mean, len(values), errors, directions.get(name, True))
    return out
