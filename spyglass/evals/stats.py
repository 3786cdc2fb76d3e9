"""Statistics for comparing experiments and calibrating judges (pure Python).

Comparison: per metric, the mean difference candidate - baseline over the items both runs
scored (paired by item id), with a percentile-bootstrap confidence interval. A change is
*significant* only when the interval excludes 0 and enough items were paired; only
significant changes in the bad direction are flagged as regressions.

Calibration: Cohen's kappa (optionally weighted), Pearson and Spearman correlation between
a judge's scores and human scores on the same items.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Hashable, Mapping, Sequence

Scores = Mapping[Hashable, float | None] | Sequence[float | None]


def paired(baseline: Scores, candidate: Scores) -> tuple[list[float], list[float]]:
    """Values of the items both sides scored: by key for mappings, by position for sequences."""
    if isinstance(baseline, Mapping) and isinstance(candidate, Mapping):
        keys = [k for k in baseline if k in candidate]
        pairs = [(baseline[k], candidate[k]) for k in keys]
    elif not isinstance(baseline, Mapping) and not isinstance(candidate, Mapping):
        if len(baseline) != len(candidate):
            raise ValueError(f"sequences differ in length ({len(baseline)} vs {len(candidate)})")
        pairs = list(zip(baseline, candidate))
    else:
        raise TypeError("pass two mappings (item id -> score) or two sequences")
    kept = [(float(a), float(b)) for a, b in pairs if a is not None and b is not None]
    return [a for a, _ in kept], [b for _, b in kept]


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in [0, 1]) of already sorted values."""
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


@dataclass(frozen=True, slots=True)
class MeanDelta:
    """One metric's change from baseline to candidate, with its confidence interval."""

    metric: str | None
    n: int
    baseline_mean: float
    candidate_mean: float
    delta: float
    low: float
    high: float
    confidence: float
    higher_is_better: bool = True
    min_items: int = 5

    @property
    def significant(self) -> bool:
        return self.n >= self.min_items and (self.low > 0 or self.high < 0)

    @property
    def regression(self) -> bool:
        return self.significant and (self.delta < 0 if self.higher_is_better else self.delta > 0)

    @property
    def improvement(self) -> bool:
        return self.significant and not self.regression

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "n": self.n, "baseline_mean": self.baseline_mean,
                "candidate_mean": self.candidate_mean, "delta": self.delta, "low": self.low, "high": self.high,
                "confidence": self.confidence, "significant": self.significant, "regression": self.regression,
                "improvement": self.improvement}


def bootstrap_mean_delta(
    baseline: Scores, candidate: Scores, *, confidence: float = 0.95, resamples: int = 2000, seed: int | None = 0,
    higher_is_better: bool = True, min_items: int = 5, metric: str | None = None,
) -> MeanDelta:
    """Mean of candidate - baseline over paired items, with a percentile-bootstrap CI.

    Items are resampled with replacement ``resamples`` times; ``seed`` makes it repeatable.
    Fewer than ``min_items`` pairs are never called significant.
    """
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    base, cand = paired(baseline, candidate)
    if not base:
        raise ValueError("no item was scored by both runs")
    diffs = [c - b for b, c in zip(base, cand)]
    n = len(diffs)
    rng = random.Random(seed)
    means = sorted(math.fsum(rng.choices(diffs, k=n)) / n for _ in range(resamples))
    tail = (1 - confidence) / 2
    return MeanDelta(metric, n, _mean(base), _mean(cand), _mean(diffs), percentile(means, tail),
                     percentile(means, 1 - tail), confidence, higher_is_better, min_items)


def compare(
    baseline: Mapping[str, Scores], candidate: Mapping[str, Scores], *,
    higher_is_better: Mapping[str, bool] | None = None, **options: Any,
) -> list[MeanDelta]:
    """Every metric both runs have (``{metric: {item_id: value}}``), sorted by name.

    ``higher_is_better`` maps metric names to their direction (default True); ``options`` go
    to :func:`bootstrap_mean_delta`. Metrics with no paired item are left out.
    """
    directions = higher_is_better or {}
    out = []
    for name in sorted(set(baseline) & set(candidate)):
        if not paired(baseline[name], candidate[name])[0]:
            continue
        out.append(bootstrap_mean_delta(baseline[name], candidate[name], metric=name,
                                        higher_is_better=directions.get(name, True), **options))
    return out


def regressions(deltas: Sequence[MeanDelta]) -> list[MeanDelta]:
    return [d for d in deltas if d.regression]


# --- calibration ------------------------------------------------------------------------------


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable], *, weights: str | None = None,
                labels: Sequence[Hashable] | None = None) -> float:
    """Cohen's kappa between two raters' labels; ``weights`` ``"linear"`` or ``"quadratic"``
    for ordinal labels (ordered as ``labels``, default sorted). NaN when chance agreement is
    total (both raters used one and the same label)."""
    if len(a) != len(b) or not a:
        raise ValueError("two non-empty label sequences of the same length are needed")
    cats = list(labels) if labels is not None else sorted(set(a) | set(b))
    index = {c: i for i, c in enumerate(cats)}
    k, n = len(cats), len(a)
    observed = [[0] * k for _ in range(k)]
    for x, y in zip(a, b):
        observed[index[x]][index[y]] += 1
    rows = [sum(r) for r in observed]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]

    def weight(i: int, j: int) -> float:
        if weights is None:
            return 0.0 if i == j else 1.0
        if weights == "linear":
            return abs(i - j)
        if weights == "quadratic":
            return (i - j) ** 2
        raise ValueError(f"unknown weights {weights!r} (linear, quadratic)")

    disagree = sum(weight(i, j) * observed[i][j] for i in range(k) for j in range(k)) / n
    chance = sum(weight(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k)) / (n * n)
    return float("nan") if chance == 0 else 1.0 - disagree / chance


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson correlation; NaN when either side is constant."""
    if len(x) != len(y) or len(x) < 2:
        raise ValueError("two sequences of the same length (at least 2) are needed")
    mx, my = _mean(x), _mean(y)
    dx, dy = [v - mx for v in x], [v - my for v in y]
    sxy = math.fsum(a * b for a, b in zip(dx, dy))
    sxx, syy = math.fsum(a * a for a in dx), math.fsum(b * b for b in dy)
    return float("nan") if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for t in range(i, j + 1):
            out[order[t]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation (Pearson of tie-averaged ranks)."""
    return pearson(ranks(x), ranks(y))


@dataclass(frozen=True, slots=True)
class Agreement:
    n: int
    kappa: float
    pearson: float
    spearman: float
    exact: float  # share of items where the labels are equal
    mean_abs_error: float


def judge_agreement(judge: Scores, human: Scores, *, threshold: float | None = None,
                    weights: str | None = None) -> Agreement:
    """How well a judge agrees with human scores on the same items.

    Kappa compares labels: the values themselves, or ``value >= threshold`` when a threshold
    turns continuous scores into pass/fail. Correlations and error use the raw values.
    """
    j, h = paired(judge, human)
    if len(j) < 2:
        raise ValueError("at least two items scored by both are needed")
    jl, hl = ([v >= threshold for v in j], [v >= threshold for v in h]) if threshold is not None else (j, h)
    return Agreement(
        n=len(j), kappa=cohen_kappa(jl, hl, weights=weights), pearson=pearson(j, h), spearman=spearman(j, h),
        exact=sum(a == b for a, b in zip(jl, hl)) / len(j),
        mean_abs_error=math.fsum(abs(a - b) for a, b in zip(j, h)) / len(j),
    )
