"""What the comparison page shows, built from the store's comparison: a summary per metric and
experiment (mean and delta against the baseline's mean), and per item each experiment's run with
its scores and their deltas, marked better or worse. Scores are higher-is-better; cost and
duration are lower-is-better."""

from __future__ import annotations

from typing import Any

EPSILON = 1e-9


def trend(delta: float | None, higher_is_better: bool = True) -> str:
    """'up' (better), 'down' (worse) or '' for a delta."""
    if delta is None or abs(delta) <= EPSILON:
        return ""
    return "up" if (delta > 0) == higher_is_better else "down"


def _delta(value: float | None, base: float | None) -> float | None:
    return None if value is None or base is None else value - base


def summary(experiments: list[dict[str, Any]], metrics: list[str], baseline: str) -> list[dict[str, Any]]:
    """One line per metric (then cost and mean duration): each experiment's value and its delta."""
    base = next(e for e in experiments if e["id"] == baseline)
    lines = []
    for name in metrics:
        cells = []
        for e in experiments:
            mean = (e["scores"].get(name) or {}).get("mean")
            count = (e["scores"].get(name) or {}).get("count", 0)
            delta = None if e["id"] == baseline else _delta(mean, (base["scores"].get(name) or {}).get("mean"))
            cells.append({"value": mean, "count": count, "delta": delta, "trend": trend(delta)})
        lines.append({"name": name, "kind": "score", "cells": cells})
    for key, kind in (("cost", "cost"), ("duration_mean_ms", "duration")):
        cells = []
        for e in experiments:
            delta = None if e["id"] == baseline else _delta(e[key], base[key])
            cells.append({"value": e[key], "delta": delta, "trend": trend(delta, higher_is_better=False)})
        lines.append({"name": key, "kind": kind, "cells": cells})
    return lines


def row_view(row: dict[str, Any], experiments: list[dict[str, Any]], metrics: list[str],
             baseline: str) -> dict[str, Any]:
    """One dataset item: input, expected output, and per experiment its run (or None when not run)."""
    runs = []
    for e in experiments:
        run = row["runs"].get(e["id"])
        if run is None:
            runs.append(None)
            continue
        deltas = row["deltas"].get(e["id"], {})
        scores = [{"name": name, "value": run["scores"].get(name), "delta": deltas.get(name),
                   "trend": trend(deltas.get(name))} for name in metrics if name in run["scores"]]
        runs.append({**run, "score_list": scores, "baseline": e["id"] == baseline})
    return {"id": row["dataset_item_id"], "input": row["input"], "expected_output": row["expected_output"],
            "regressed": row["regressed"], "runs": runs}


def fmt_delta(delta: float | None) -> str:
    if delta is None:
        return ""
    return f"{delta:+.3g}".replace("-", "−")


def fmt_metric(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.3g}" if isinstance(value, float) else str(value)
