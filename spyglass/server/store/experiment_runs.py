"""What an experiment item joins to: the dataset item as of the experiment's version, its trace, its scores.

Used by the experiment item list and by the comparison of experiments.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from spyglass.server.model.convert import from_us, load_json
from spyglass.server.store import tables as t
from spyglass.server.store.named import chunks


def dataset_items_at(conn: Connection, dataset_id: str, version: int, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Data of dataset items as they were at `version` (an item added later: its newest data), by item id."""
    i = t.dataset_item.c
    chosen: dict[str, Any] = {}
    for chunk in chunks(list(dict.fromkeys(ids))):
        rows = conn.execute(select(i.id, i.pk, i.data, i.added_version, i.removed_version)
                            .where(i.dataset_id == dataset_id, i.id.in_(chunk)).order_by(i.pk))
        for r in rows:
            live = r.added_version <= version and (r.removed_version is None or r.removed_version > version)
            held = chosen.get(r.id)
            if held is None or live or not held[1]:
                chosen[r.id] = (r, live)
    return {item_id: load_json(row.data) or {} for item_id, (row, _) in chosen.items()}


def trace_facts(conn: Connection, trace_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Output, duration, cost, tokens and error of traces, by trace id."""
    tr = t.trace.c
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(trace_ids))):
        rows = conn.execute(select(tr.id, tr.output, tr.duration, tr.cost, tr.total_tokens, tr.error,
                                   tr.error_span_count, tr.end_time, tr.project_id).where(tr.id.in_(chunk)))
        for r in rows:
            error = load_json(r.error)
            found[r.id] = {"output": load_json(r.output),
                           "duration_ms": None if r.duration is None else r.duration / 1000,
                           "cost": r.cost, "total_tokens": r.total_tokens, "error": error,
                           "status": "error" if error is not None or r.error_span_count else
                                     ("running" if r.end_time is None else "ok")}
    return found


def trace_scores(conn: Connection, trace_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Feedback scores of traces as {trace_id: {name: {value, reason}}}; several authors: the mean value."""
    sc = t.feedback_score.c
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    reasons: dict[tuple[str, str], str | None] = {}
    for chunk in chunks(list(dict.fromkeys(trace_ids))):
        rows = conn.execute(select(sc.target_id, sc.name, sc.value, sc.reason)
                            .where(sc.target_type == "trace", sc.target_id.in_(chunk)).order_by(sc.updated_at))
        for r in rows:
            key = (r.target_id, r.name)
            if r.value is not None:
                values[key].append(r.value)
            reasons[key] = r.reason or reasons.get(key)
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for (trace_id, name), reason in reasons.items():
        got = values.get((trace_id, name))
        found[trace_id][name] = {"value": sum(got) / len(got) if got else None, "reason": reason}
    return found


def item_rows_view(conn: Connection, experiment: Any, rows: list[Any]) -> list[dict[str, Any]]:
    """experiment_item rows joined with their dataset item, trace and scores."""
    data = dataset_items_at(conn, experiment.dataset_id, experiment.dataset_version,
                            [r.dataset_item_id for r in rows])
    trace_ids = [r.trace_id for r in rows if r.trace_id]
    traces, scores = trace_facts(conn, trace_ids), trace_scores(conn, trace_ids)
    return [run_view(r, data.get(r.dataset_item_id), traces.get(r.trace_id or ""), scores.get(r.trace_id or ""))
            for r in rows]


def run_view(row: Any, data: dict[str, Any] | None, trace: dict[str, Any] | None,
             scores: dict[str, dict[str, Any]] | None) -> dict[str, Any]:
    """One experiment item: what was asked, what came out, how long, how much, how it scored."""
    data = data or {}
    trace = trace or {}
    output = load_json(row.output)
    return {"id": row.id, "experiment_id": row.experiment_id, "dataset_item_id": row.dataset_item_id,
            "trace_id": row.trace_id, "data": data, "input": data.get("input"),
            "expected_output": data.get("expected_output"),
            "output": trace.get("output") if output is None else output,
            "duration_ms": trace.get("duration_ms"), "cost": trace.get("cost"),
            "total_tokens": trace.get("total_tokens"), "error": trace.get("error"), "status": trace.get("status"),
            "scores": scores or {}, "created_at": from_us(row.created_at)}
