"""GET /api/v1/calibration: how well automatic judges agree with people, per feedback name.

For every target (trace, span or thread) that a person and a judge both scored under the same
name (see store/calibration.py for who counts as which), the two scores are paired (several
people or judges on one target: their mean). Reported per name: n, Cohen's kappa, Pearson and
Spearman correlation of the values, mean absolute difference and exact agreement.

Kappa needs categories: the labels when every pair has labels on both sides; else the values
themselves when there are at most ``MAX_CATEGORIES`` distinct ones (0/1, 1..5 ratings); else the
values cut into ``bins`` equal-width bins, or pass/fail at ``threshold`` when one is given.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Annotated, Any, Literal

from fastapi import Query

from spyglass.evals.stats import cohen_kappa, pearson, spearman
from spyglass.server.api.deps import StoreDep
from spyglass.server.routes import Routes
from spyglass.server.store.base import Store
from spyglass.server.store.calibration import Target, paired_scores

router = Routes(prefix="/api/v1/calibration", tags=["evaluation"])
MAX_CATEGORIES = 10
# Landis & Koch: (highest kappa, label); below zero is "poor"
KAPPA_SCALE = ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial"), (math.inf, "almost perfect"))


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 6)


def agreement_label(kappa: float | None) -> str | None:
    if kappa is None:
        return None
    if kappa < 0:
        return "poor"
    return next(label for upper, label in KAPPA_SCALE if kappa <= upper + 1e-9)


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _mode(labels: list[str]) -> str | None:
    return Counter(labels).most_common(1)[0][0] if labels else None


def categories(humans: list[float], judges: list[float], bins: int,
               threshold: float | None) -> tuple[list[Any], list[Any], str]:
    """Kappa categories of paired values, and the basis used."""
    if threshold is not None:
        return [h >= threshold for h in humans], [j >= threshold for j in judges], "threshold"
    distinct = {round(v, 6) for v in humans + judges}
    if len(distinct) <= MAX_CATEGORIES:
        return [round(h, 6) for h in humans], [round(j, 6) for j in judges], "values"
    lo, hi = min(distinct), max(distinct)
    width = (hi - lo) / bins

    def bin_of(v: float) -> int:
        return min(int((v - lo) / width), bins - 1)

    return [bin_of(h) for h in humans], [bin_of(j) for j in judges], "bins"


def _kappa(a: list[Any], b: list[Any], weights: str | None) -> float | None:
    if not a:
        return None
    ordinal = weights is not None and all(isinstance(x, (int, float)) for x in a + b)
    return _finite(cohen_kappa(a, b, weights=weights if ordinal else None))


def _correlation(fn: Any, x: list[float], y: list[float]) -> float | None:
    return _finite(fn(x, y)) if len(x) >= 2 else None


def agreement(name: str, targets: dict[tuple[str, str], Target], *, bins: int = 5, threshold: float | None = None,
              weights: str | None = None) -> dict[str, Any]:
    """One feedback name's report."""
    values = [(h, j) for t in targets.values()
              if (h := _mean(t.human.values)) is not None and (j := _mean(t.judge.values)) is not None]
    labels = [(h, j) for t in targets.values()
              if (h := _mode(t.human.labels)) is not None and (j := _mode(t.judge.labels)) is not None]
    humans, judges = [h for h, _ in values], [j for _, j in values]
    if labels and len(labels) == len(targets) and threshold is None:
        a, b, basis = [h for h, _ in labels], [j for _, j in labels], "labels"
    else:
        a, b, basis = categories(humans, judges, bins, threshold)
    kappa = _kappa(a, b, weights)
    return {
        "name": name, "n": len(targets), "n_values": len(values), "kappa": kappa, "kappa_basis": basis if a else None,
        "agreement": agreement_label(kappa), "exact_agreement": _finite(sum(x == y for x, y in zip(a, b)) / len(a))
        if a else None, "pearson": _correlation(pearson, humans, judges),
        "spearman": _correlation(spearman, humans, judges),
        "mean_abs_diff": _finite(_mean([abs(h - j) for h, j in values])),
        "human_mean": _finite(_mean(humans)), "judge_mean": _finite(_mean(judges)),
        "humans": sorted({who for t in targets.values() for who in t.human.by_author}),
        "judges": sorted({who for t in targets.values() for who in t.judge.by_author}),
    }


def calibration_report(store: Store, project: str, feedback: str | None = None, *, bins: int = 5,
                       threshold: float | None = None, weights: str | None = None) -> dict[str, Any]:
    with store.read() as conn:
        project_id = store.project_id(conn, project)
        pairs = paired_scores(conn, project_id, feedback)
    names = sorted(pairs)
    return {"project": project, "feedback": [agreement(n, pairs[n], bins=bins, threshold=threshold, weights=weights)
                                             for n in names]}


@router.get("", summary="Agreement of automatic judges with human scores, per feedback name")
def calibration(
    store: StoreDep,
    project: Annotated[str, Query(description="Project name")],
    feedback: Annotated[str | None, Query(description="One feedback name; default: every name with pairs")] = None,
    bins: Annotated[int, Query(ge=2, le=20, description="Bins for kappa over continuous values")] = 5,
    threshold: Annotated[float | None, Query(description="Kappa on pass/fail at this value instead")] = None,
    weights: Annotated[Literal["linear", "quadratic"] | None,
                       Query(description="Weighted kappa for ordinal values")] = None,
) -> dict[str, Any]:
    return calibration_report(store, project, feedback, bins=bins, threshold=threshold, weights=weights)
