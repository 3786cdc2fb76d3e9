"""Project overviews and time series, read from the per-minute rollups (never raw spans)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from spyglass.server.ingest.rollups import MINUTE_COLUMNS, percentiles
from spyglass.server.model.convert import US_PER_MINUTE, from_us
from spyglass.server.store import tables as t

QUANTILES = (0.5, 0.9, 0.99)


def _numbers(values: Any) -> dict[str, int | float]:
    """PostgreSQL sums arrive as Decimal: counts become int, cost float."""
    return {c: (float if c == "cost" else int)(values[c] or 0) for c in MINUTE_COLUMNS if c in values}


def _totals_view(values: dict[str, Any]) -> dict[str, Any]:
    traces = values.get("trace_count") or 0
    return {
        **{c: values.get(c) or 0 for c in MINUTE_COLUMNS},
        "error_rate": (values.get("trace_errors") or 0) / traces if traces else None,
    }


def _latency_view(histogram: dict[int, int]) -> dict[str, float | None]:
    p50, p90, p99 = percentiles(histogram, QUANTILES)
    to_ms = (lambda us: None if us is None else round(us / 1000, 3))
    return {"p50_ms": to_ms(p50), "p90_ms": to_ms(p90), "p99_ms": to_ms(p99)}


def list_projects(conn: Connection, workspace_id: str) -> list[dict[str, Any]]:
    r = t.rollup_minute.c
    sums = {row.project_id: row._mapping for row in conn.execute(
        select(r.project_id, *[func.sum(r[c]).label(c) for c in MINUTE_COLUMNS]).group_by(r.project_id))}
    p = t.project.c
    projects = []
    for row in conn.execute(select(t.project).where(p.workspace_id == workspace_id).order_by(p.name)):
        last = conn.execute(select(func.max(t.trace.c.start_time)).where(t.trace.c.project_id == row.id)).scalar()
        projects.append({"id": row.id, "name": row.name, "description": row.description,
                         "created_at": from_us(row.created_at), "last_activity": from_us(last),
                         **_totals_view(_numbers(sums.get(row.id) or {}))})
    projects.sort(key=lambda item: item["last_activity"] or "", reverse=True)
    return projects


def project_stats(conn: Connection, project_id: str, start_us: int, end_us: int, interval_minutes: int
                  ) -> dict[str, Any]:
    """Totals and a time series over [start, end), in buckets of `interval_minutes`."""
    first, last = start_us // US_PER_MINUTE, (end_us - 1) // US_PER_MINUTE
    step = interval_minutes

    def bucket(minute_column: Any) -> Any:
        return minute_column - (minute_column - first) % step

    r = t.rollup_minute.c
    window = (r.project_id == project_id) & (r.minute >= first) & (r.minute <= last)
    series: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in conn.execute(select(bucket(r.minute).label("b"), *[func.sum(r[c]).label(c) for c in MINUTE_COLUMNS])
                            .where(window).group_by("b")):
        series[row.b].update(_numbers(row._mapping))
    lat = t.rollup_latency.c
    histograms: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    total_histogram: dict[int, int] = defaultdict(int)
    lwindow = (lat.project_id == project_id) & (lat.minute >= first) & (lat.minute <= last)
    for row in conn.execute(select(bucket(lat.minute).label("b"), lat.bucket, func.sum(lat.count).label("n"))
                            .where(lwindow).group_by("b", lat.bucket)):
        histograms[row.b][row.bucket] += int(row.n)
        total_histogram[row.bucket] += int(row.n)
    sc = t.rollup_score.c
    swindow = (sc.project_id == project_id) & (sc.minute >= first) & (sc.minute <= last)
    scores: dict[int, dict[str, float]] = defaultdict(dict)
    score_totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for row in conn.execute(select(bucket(sc.minute).label("b"), sc.name, func.sum(sc.count).label("n"),
                                   func.sum(sc.total).label("s")).where(swindow).group_by("b", sc.name)):
        n, total = int(row.n), float(row.s)
        if n:
            scores[row.b][row.name] = total / n
            score_totals[row.name][0] += n
            score_totals[row.name][1] += total
    points = []
    for b in sorted(set(series) | set(histograms) | set(scores)):
        points.append({"time": from_us(b * US_PER_MINUTE), **_totals_view(series.get(b, {})),
                       "latency": _latency_view(histograms.get(b, {})), "scores": scores.get(b, {})})
    totals = {c: sum(values.get(c) or 0 for values in series.values()) for c in MINUTE_COLUMNS}
    return {
        "from": from_us(first * US_PER_MINUTE), "to": from_us((last + 1) * US_PER_MINUTE),
        "interval_minutes": step,
        "totals": {**_totals_view(totals), "latency": _latency_view(total_histogram),
                   "scores": {name: s / n for name, (n, s) in score_totals.items() if n}},
        "series": points,
    }
