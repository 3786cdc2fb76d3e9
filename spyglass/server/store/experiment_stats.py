"""Experiment aggregates, computed on read: items, traces, score means, cost, tokens, durations."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Connection

from spyglass.server.store import tables as t
from spyglass.server.store.named import chunks


def empty_aggregates() -> dict[str, Any]:
    return {"item_count": 0, "trace_count": 0, "scores": {}, "cost": None, "total_tokens": 0,
            "duration_mean_ms": None, "duration_p50_ms": None}


def aggregates(conn: Connection, experiment_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Aggregates per experiment id: item_count, trace_count, scores {name: {mean, count}}, cost,
    total_tokens, duration_mean_ms, duration_p50_ms (over the distinct traces of its items)."""
    found = {experiment_id: empty_aggregates() for experiment_id in experiment_ids}
    for chunk in chunks(list(found)):
        _counts(conn, chunk, found)
        _trace_totals(conn, chunk, found)
        _score_means(conn, chunk, found)
    return found


def _traces_of(experiment_ids: list[str]) -> Any:
    """Distinct (experiment_id, trace_id) pairs of the experiments' items."""
    ei = t.experiment_item.c
    return (select(ei.experiment_id, ei.trace_id).distinct()
            .where(ei.experiment_id.in_(experiment_ids), ei.trace_id.is_not(None)).subquery())


def _counts(conn: Connection, experiment_ids: list[str], found: dict[str, dict[str, Any]]) -> None:
    ei = t.experiment_item.c
    rows = conn.execute(select(ei.experiment_id, func.count(), func.count(distinct(ei.trace_id)))
                        .where(ei.experiment_id.in_(experiment_ids)).group_by(ei.experiment_id))
    for experiment_id, items, traces in rows:
        found[experiment_id].update(item_count=items, trace_count=traces)


def _trace_totals(conn: Connection, experiment_ids: list[str], found: dict[str, dict[str, Any]]) -> None:
    pairs, tr = _traces_of(experiment_ids), t.trace.c
    rows = conn.execute(select(pairs.c.experiment_id, tr.duration, tr.cost, tr.total_tokens)
                        .join(t.trace, tr.id == pairs.c.trace_id))
    durations: dict[str, list[float]] = defaultdict(list)
    for experiment_id, duration, cost, tokens in rows:
        agg = found[experiment_id]
        if cost is not None:
            agg["cost"] = (agg["cost"] or 0.0) + cost
        agg["total_tokens"] += tokens or 0
        if duration is not None:
            durations[experiment_id].append(duration / 1000)
    for experiment_id, values in durations.items():
        found[experiment_id].update(duration_mean_ms=statistics.fmean(values),
                                    duration_p50_ms=statistics.median(values))


def _score_means(conn: Connection, experiment_ids: list[str], found: dict[str, dict[str, Any]]) -> None:
    pairs, sc = _traces_of(experiment_ids), t.feedback_score.c
    rows = conn.execute(select(pairs.c.experiment_id, sc.name, func.avg(sc.value), func.count(sc.value))
                        .join(t.feedback_score, (sc.target_type == "trace") & (sc.target_id == pairs.c.trace_id))
                        .where(sc.value.is_not(None))
                        .group_by(pairs.c.experiment_id, sc.name).order_by(sc.name))
    for experiment_id, name, mean, count in rows:
        found[experiment_id]["scores"][name] = {"mean": float(mean), "count": count}
