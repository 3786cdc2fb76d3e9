"""Side-by-side comparison of experiments, item by item, with score deltas against a baseline.

Scores are taken as higher-is-better: an item regressed when some experiment scored it lower
than the baseline did on some metric.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from spyglass.server.errors import BadRequest
from spyglass.server.store import tables as t
from spyglass.server.store.experiment_runs import dataset_items_at, trace_facts, trace_scores
from spyglass.server.store.experiments import get_experiments
from spyglass.server.store.projects import DEFAULT_WORKSPACE_ID

EPSILON = 1e-9  # float noise is not a regression


def compare_experiments(conn: Connection, experiment_ids: list[str], *, baseline: str | None = None,
                        only_regressions: bool = False,
                        workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """{experiments, metrics, rows}: one row per dataset item with each experiment's run and the deltas
    of its scores against the baseline (default: the first id)."""
    experiment_ids = list(dict.fromkeys(experiment_ids))
    if not experiment_ids:
        raise BadRequest("ids: give at least one experiment id", detail={"field": "ids"})
    baseline = baseline or experiment_ids[0]
    if baseline not in experiment_ids:
        raise BadRequest("baseline: must be one of ids", detail={"field": "baseline"})
    experiments = get_experiments(conn, experiment_ids, workspace_id)
    runs, data = _runs(conn, experiments)
    metrics = sorted({name for by_exp in runs.values() for run in by_exp.values() for name in run["scores"]})
    rows = []
    for item_id, by_exp in runs.items():
        deltas = _deltas(by_exp, baseline)
        regressed = any(delta < -EPSILON for d in deltas.values() for delta in d.values())
        if only_regressions and not regressed:
            continue
        item = data.get(item_id, {})
        rows.append({"dataset_item_id": item_id, "data": item, "input": item.get("input"),
                     "expected_output": item.get("expected_output"), "runs": by_exp, "deltas": deltas,
                     "regressed": regressed})
    return {"experiments": experiments, "baseline": baseline, "metrics": metrics, "rows": rows}


def _runs(conn: Connection, experiments: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Runs by dataset item id then experiment id, and each item's data (the first experiment's version)."""
    ei = t.experiment_item.c
    items: dict[str, list[Any]] = {}
    for experiment in experiments:
        items[experiment["id"]] = conn.execute(select(t.experiment_item).where(ei.experiment_id == experiment["id"])
                                               .order_by(ei.pk)).all()
    trace_ids = [r.trace_id for rows in items.values() for r in rows if r.trace_id]
    traces, scores = trace_facts(conn, trace_ids), trace_scores(conn, trace_ids)
    runs: dict[str, dict[str, Any]] = {}
    data: dict[str, Any] = {}
    for experiment in experiments:
        rows = items[experiment["id"]]
        missing = [r.dataset_item_id for r in rows if r.dataset_item_id not in data]
        data.update(dataset_items_at(conn, experiment["dataset_id"], experiment["dataset_version"], missing))
        for row in rows:
            trace = traces.get(row.trace_id or "", {})
            run_scores = {name: s["value"] for name, s in scores.get(row.trace_id or "", {}).items()}
            by_exp = runs.setdefault(row.dataset_item_id, {})
            by_exp[experiment["id"]] = _merge(by_exp.get(experiment["id"]), {
                "trace_id": row.trace_id, "output": trace.get("output"), "scores": run_scores,
                "duration_ms": trace.get("duration_ms"), "cost": trace.get("cost"), "runs": 1})
    return runs, data


def _merge(earlier: dict[str, Any] | None, run: dict[str, Any]) -> dict[str, Any]:
    """Several runs of one item in one experiment: the last run's trace, each score's mean over the runs."""
    if earlier is None:
        return run
    n = earlier["runs"]
    merged = dict(run, runs=n + 1, scores=dict(earlier["scores"]))
    for name, value in run["scores"].items():
        old = earlier["scores"].get(name)
        if value is None or old is None:
            merged["scores"][name] = old if value is None else value
        else:
            merged["scores"][name] = (old * n + value) / (n + 1)
    return merged


def _deltas(by_exp: dict[str, dict[str, Any]], baseline: str) -> dict[str, dict[str, float]]:
    base = by_exp.get(baseline)
    deltas: dict[str, dict[str, float]] = {}
    for experiment_id, run in by_exp.items():
        if experiment_id == baseline:
            continue
        deltas[experiment_id] = {}
        if base is None:
            continue
        for name, value in run["scores"].items():
            old = base["scores"].get(name)
            if value is not None and old is not None:
                deltas[experiment_id][name] = value - old
    return deltas
