"""The writer computes each trace's state after a write instead of reading it back: the rollups
and threads it derives from that state must equal what the stored traces say."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from spyglass.server.ingest.rollups import latency_bucket
from spyglass.server.model.convert import US_PER_MINUTE
from spyglass.server.store import tables as t
from spyglass.server.store.engine import make_engine
from tests.server.factory import BASE, ingest, iso, llm_span, span

THREADS = ["conv-a", "conv-b", None]


def _random_trace_write(rng: random.Random, trace_id: str) -> dict:
    """Any mix of the fields the trace state depends on; absent ones keep the stored value."""
    row: dict = {"id": trace_id}
    start = BASE + timedelta(seconds=rng.randrange(0, 600))
    if rng.random() < 0.5:
        row["start_time"] = iso(start)
    if rng.random() < 0.5:
        row["end_time"] = iso(start + timedelta(milliseconds=rng.randrange(1, 90_000)))
    if rng.random() < 0.2:
        row["error"] = {"type": "E", "message": "failed"}
    if rng.random() < 0.4:
        row["thread_id"] = rng.choice(THREADS[:2])
    return row


def _random_span(rng: random.Random, trace_id: str) -> dict:
    offset = rng.randrange(0, 600)
    if rng.random() < 0.3:
        return span(trace_id, offset_s=offset, error={"type": "E", "message": "failed"})
    return llm_span(trace_id, offset_s=offset)


def _expected(traces: list) -> tuple[Counter, Counter, Counter]:
    minutes: Counter = Counter()
    latency: Counter = Counter()
    threads: Counter = Counter()
    for row in traces:
        if row.thread_id:
            threads[(row.project_id, row.thread_id)] += 1
        if row.start_time is None:
            continue
        minute = (row.project_id, row.start_time // US_PER_MINUTE)
        minutes[(*minute, "count")] += 1
        minutes[(*minute, "errors")] += int(row.error is not None or row.error_span_count > 0)
        if row.duration is not None and row.duration >= 0:
            latency[(*minute, latency_bucket(row.duration))] += 1
    return +minutes, +latency, +threads


def _stored(conn) -> tuple[Counter, Counter, Counter]:
    minutes: Counter = Counter()
    for r in conn.execute(select(t.rollup_minute)):
        minutes[(r.project_id, r.minute, "count")] += r.trace_count
        minutes[(r.project_id, r.minute, "errors")] += r.trace_errors
    latency = Counter({(r.project_id, r.minute, r.bucket): r.count for r in conn.execute(select(t.rollup_latency))})
    threads = Counter({(r.project_id, r.thread_id): r.trace_count for r in conn.execute(select(t.thread))})
    return +minutes, +latency, +threads


def test_rollups_and_threads_follow_random_trace_writes(client, settings):
    rng = random.Random(7)
    ids = [f"trace-{i}" for i in range(6)]
    for _ in range(40):
        chosen = [rng.choice(ids) for _ in range(rng.randrange(1, 4))]  # the same trace twice, at times
        traces = [_random_trace_write(rng, trace_id) for trace_id in chosen]
        spans = [_random_span(rng, rng.choice(ids)) for _ in range(rng.randrange(0, 3))]
        ingest(client, traces=traces, spans=spans)
        if rng.random() < 0.1:
            assert client.delete(f"/api/v1/traces/{rng.choice(ids)}").status_code in (204, 404)
    engine = make_engine(settings.db_url)
    with engine.connect() as conn:
        stored_traces = conn.execute(select(t.trace)).all()
        assert len(stored_traces) >= 3
        assert _stored(conn) == _expected(stored_traces)
    engine.dispose()


def test_an_update_twice_in_one_request_keeps_the_start(client):
    first = {"id": "trace-1", "start_time": iso(BASE), "end_time": iso(BASE + timedelta(seconds=2))}
    ingest(client, traces=[first])
    ingest(client, traces=[{"id": "trace-1", "output": {"a": 1}}, {"id": "trace-1", "tags": ["x"]}])
    got = client.get("/api/v1/traces/trace-1").json()["trace"]
    assert (got["start_time"], got["duration_ms"], got["tags"]) == (first["start_time"], 2000.0, ["x"])
