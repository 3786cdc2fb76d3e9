"""GET /api/v1/experiments/compare/stats: is an experiment's change against a baseline real?

Per metric, the mean difference over the dataset items both experiments scored, with a
percentile-bootstrap confidence interval (spyglass.evals.stats, the same computation and seed
``evaluate()`` prints). A change is significant when the interval excludes zero and at least
``min_items`` items were paired; ``significant_regression`` is a significant change in the bad
direction. Directions come from ``lower_is_better=`` or from the experiments' metadata
(``metadata.metrics.<name>.higher_is_better``, which ``evaluate()`` records); default higher.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from sqlalchemy.engine import Connection

from spyglass.evals.stats import compare
from spyglass.server.api.deps import StoreDep
from spyglass.server.errors import BadRequest
from spyglass.server.routes import Routes
from spyglass.server.store.experiment_item_scores import item_scores
from spyglass.server.store.experiments import get_experiments

router = Routes(prefix="/api/v1/experiments", tags=["experiments"])
MAX_COMPARED = 20


def directions(experiments: list[dict[str, Any]], lower_is_better: set[str]) -> dict[str, bool]:
    """Each metric's direction: recorded in experiment metadata (later experiments win), then the query."""
    found: dict[str, bool] = {}
    for experiment in experiments:
        metrics = (experiment.get("metadata") or {}).get("metrics")
        if isinstance(metrics, dict):
            for name, info in metrics.items():
                if isinstance(info, dict) and isinstance(info.get("higher_is_better"), bool):
                    found[name] = info["higher_is_better"]
    return {**found, **{name: False for name in lower_is_better}}


def _unpaired(metric: str, higher: bool) -> dict[str, Any]:
    return {"metric": metric, "n": 0, "baseline_mean": None, "candidate_mean": None, "delta": None, "low": None,
            "high": None, "significant": False, "regression": False, "improvement": False,
            "significant_regression": False, "higher_is_better": higher}


def comparison_stats(conn: Connection, ids: list[str], baseline: str | None = None, *, confidence: float = 0.95,
                     resamples: int = 2000, min_items: int = 5,
                     lower_is_better: set[str] | None = None) -> dict[str, Any]:
    """The statistics of every experiment in ``ids`` against ``baseline`` (default: the first id)."""
    ids = list(dict.fromkeys(ids))
    baseline = baseline or ids[0]
    experiments = get_experiments(conn, list(dict.fromkeys([baseline, *ids])))
    by_id = {e["id"]: e for e in experiments}
    scores = item_scores(conn, list(by_id))
    ways = directions(experiments, lower_is_better or set())
    results, flagged = [], []
    for experiment_id in (i for i in ids if i != baseline):
        deltas = {d.metric: d for d in compare(scores[baseline], scores[experiment_id], higher_is_better=ways,
                                               confidence=confidence, resamples=resamples, min_items=min_items)}
        metrics = []
        for name in sorted(set(scores[baseline]) | set(scores[experiment_id])):
            d = deltas.get(name)
            row = {**d.to_dict(), "significant_regression": d.regression, "higher_is_better": d.higher_is_better} \
                if d else _unpaired(name, ways.get(name, True))
            metrics.append(row)
            if row["significant_regression"]:
                flagged.append({"experiment_id": experiment_id, "metric": name})
        results.append({"id": experiment_id, "name": by_id[experiment_id]["name"], "metrics": metrics})
    return {"baseline": {"id": baseline, "name": by_id[baseline]["name"]}, "confidence": confidence,
            "resamples": resamples, "min_items": min_items, "experiments": results, "significant_regressions": flagged}


def parse_ids(ids: str) -> list[str]:
    wanted = list(dict.fromkeys(i.strip() for i in ids.split(",") if i.strip()))
    if not 1 <= len(wanted) <= MAX_COMPARED:
        raise BadRequest(f"ids: give 1 to {MAX_COMPARED} experiment ids, comma-separated", detail={"field": "ids"})
    return wanted


@router.get("/compare/stats", summary="Per-metric mean deltas against a baseline, with bootstrap confidence intervals")
def compare_stats(
    store: StoreDep,
    ids: Annotated[str, Query(description="Experiment ids, comma-separated")],
    baseline: Annotated[str | None, Query(description="Experiment id; default: the first of ids")] = None,
    confidence: Annotated[float, Query(gt=0.5, lt=1)] = 0.95,
    resamples: Annotated[int, Query(ge=100, le=10_000)] = 2000,
    min_items: Annotated[int, Query(ge=2, description="Fewer paired items are never significant")] = 5,
    lower_is_better: Annotated[str | None, Query(description="Metrics where lower is better, comma-separated")] = None,
) -> dict[str, Any]:
    lower = {m.strip() for m in (lower_is_better or "").split(",") if m.strip()}
    with store.read() as conn:
        return comparison_stats(conn, parse_ids(ids), baseline, confidence=confidence, resamples=resamples,
                                min_items=min_items, lower_is_better=lower)
