from __future__ import annotations

import logging
import re
import time
from typing import Any, Callable

import pytest

import spyglass.sdk as sg
from spyglass.sdk.exporter import BatchExporter

from .sink import Reply, Sink

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
Start = Callable[..., BatchExporter]


@sg.track
def leaf(i: int) -> int:
    return i


@sg.track
def root(i: int) -> int:
    return leaf(i) + leaf(i)


def test_spans_reach_the_server_gzipped_with_auth(sink: Sink, tracing: Start) -> None:
    exporter = tracing(sink.url, api_key="sk-test", project="proj")
    for i in range(10):
        root(i)
    result = sg.flush(5)
    assert result.ok and result.delivered == 40 and result.pending == 0
    post = sink.posts()[0]
    assert post.path == "/api/v1/ingest"
    assert post.headers["authorization"] == "Bearer sk-test"
    assert post.headers["content-encoding"] == "gzip"
    assert post.headers["content-type"] == "application/json"
    assert post.body["project"] == "proj"
    spans, traces = sink.ingested("spans"), sink.ingested("traces")
    assert len(spans) == 30 and len(traces) == 10
    assert len({s["id"] for s in spans}) == 30
    for s in spans:
        assert UUID7.match(s["id"]) and UUID7.match(s["trace_id"])
        assert ISO_Z.match(s["start_time"]) and ISO_Z.match(s["end_time"])
        assert s["start_time"] <= s["end_time"]
    by_id = {s["id"]: s for s in spans}
    for s in spans:
        if s["name"] == "leaf":
            assert by_id[s["parent_span_id"]]["name"] == "root"
    assert exporter.stats()["delivered"] == 40


def test_no_auth_header_without_key(sink: Sink, tracing: Start) -> None:
    tracing(sink.url)
    root(1)
    assert sg.flush(5).ok
    assert "authorization" not in sink.posts()[0].headers


def test_batches_by_count_and_bytes(sink: Sink, tracing: Start) -> None:
    tracing(sink.url, batch_items=10, interval=10)
    for i in range(25):
        leaf(i)  # 25 spans + 25 traces
    assert sg.flush(5).delivered == 50
    sizes = [sum(len(p.body.get(k, [])) for k in ("spans", "traces")) for p in sink.posts()]
    assert sum(sizes) == 50 and max(sizes) <= 10

    sink.requests.clear()
    exporter = tracing(sink.url, batch_bytes=2_000, interval=10)
    for i in range(20):
        leaf("x" * 300)  # type: ignore[arg-type]
    assert exporter.flush(5).delivered == 40
    assert len(sink.posts()) >= 8
    assert all(len(p.raw) < 2_000 for p in sink.posts())


def test_time_based_flush_without_calling_flush(sink: Sink, tracing: Start) -> None:
    tracing(sink.url, interval=0.05)
    leaf(1)
    deadline = time.monotonic() + 5
    while len(sink.ingested("spans")) < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(sink.ingested("spans")) == 1


def test_retries_429_and_5xx_honouring_retry_after(sink: Sink, tracing: Start) -> None:
    tracing(sink.url)
    sink.replies.extend([Reply(503, headers={"Retry-After": "0"}), Reply(429, headers={"Retry-After": "0.3"})])
    t0 = time.monotonic()
    leaf(1)
    result = sg.flush(5)
    assert result.ok and result.delivered == 2
    assert len(sink.posts()) == 3
    assert time.monotonic() - t0 >= 0.3
    assert len({p.raw for p in sink.posts()}) == 1  # the same batch, resent


def test_client_errors_are_rejected_not_retried(sink: Sink, tracing: Start, caplog: pytest.LogCaptureFixture) -> None:
    tracing(sink.url, api_key="wrong")
    sink.replies.append(Reply(401, {"detail": "bad key"}))
    leaf(1)
    result = sg.flush(5)
    assert result.rejected == 2 and result.delivered == 0 and not result.ok
    assert len(sink.posts()) == 1
    assert "401" in caplog.text and "SPYGLASS_API_KEY" in caplog.text


def test_partial_success_counts_rejected_items(sink: Sink, tracing: Start) -> None:
    tracing(sink.url)
    rejected = [{"kind": "spans", "index": 0, "field": "start_time", "reason": "bad"}]
    sink.replies.append(Reply(200, {"accepted": {"spans": 0, "traces": 1}, "rejected": rejected}))
    leaf(1)
    result = sg.flush(5)
    assert (result.delivered, result.rejected) == (1, 1)


def test_too_large_batches_are_split(sink: Sink, tracing: Start) -> None:
    tracing(sink.url, interval=10)
    sink.replies.append(Reply(413, {"detail": "too large"}))
    for i in range(4):
        leaf(i)
    assert sg.flush(5).delivered == 8
    assert len(sink.posts()) == 3


def test_full_queue_drops_with_counted_warning_and_never_blocks(
    dead_url: str, tracing: Start, caplog: pytest.LogCaptureFixture
) -> None:
    exporter = tracing(dead_url, max_queue=100)
    caplog.set_level(logging.WARNING, "spyglass.sdk")
    t0 = time.perf_counter()
    for i in range(2_000):
        leaf(i)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, elapsed  # ~4,000 records at full speed, server down
    assert exporter.stats()["dropped_queue_full"] >= 3_800
    assert caplog.text.count("export queue full") == 1  # rate-limited
    result = exporter.flush(0.2)
    assert result.dropped >= 3_800 and not result.ok


def test_slow_server_does_not_slow_the_caller(sink: Sink, tracing: Start) -> None:
    tracing(sink.url)
    sink.replies.append(Reply(200, delay=1.0))
    leaf(0)
    sg.flush(0.01)  # get the slow request in flight
    t0 = time.perf_counter()
    for i in range(1_000):
        leaf(i)
    assert time.perf_counter() - t0 < 0.5
    assert sg.flush(5).pending == 0
    assert len(sink.ingested("spans")) == 1_001


def test_unencodable_record_is_counted_not_fatal(
    sink: Sink, tracing: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter = tracing(sink.url)

    class Weird:
        kind = "spans"

    exporter.submit(Weird())
    leaf(1)
    result = exporter.flush(5)
    assert result.delivered == 2 and result.dropped == 1


def test_flush_result_counts_only_since_previous_flush(sink: Sink, tracing: Start) -> None:
    tracing(sink.url)
    leaf(1)
    assert sg.flush(5).delivered == 2
    assert sg.flush(5).delivered == 0
    leaf(2)
    assert sg.flush(5).delivered == 2


def _stats(exporter: BatchExporter) -> dict[str, Any]:
    return exporter.stats()


def test_server_down_keeps_records_pending_and_flush_returns_at_once(dead_url: str, tracing: Start) -> None:
    exporter = tracing(dead_url, batch_items=10)
    for i in range(50):
        leaf(i)
    time.sleep(0.2)  # let the sender find out
    t0 = time.monotonic()
    result = exporter.flush(10)
    assert time.monotonic() - t0 < 1
    assert result.pending >= 90 and result.dropped == 0 and result.delivered == 0
    result = exporter.shutdown(1)  # at exit: no more retries, the rest is counted as lost
    assert result.dropped == 100 and result.pending == 0


def test_outage_shorter_than_the_queue_loses_nothing(dead_url: str, tracing: Start) -> None:
    exporter = tracing(dead_url)
    for i in range(20):
        leaf(i)
    time.sleep(0.3)
    assert exporter.sender.down
    port = int(dead_url.rsplit(":", 1)[1])
    revived = Sink(port)
    try:
        # flush() does not wait while the sender still counts the server as down, and the sink
        # records a batch before the sender has read its answer: wait for the sender's count.
        deadline = time.monotonic() + 10
        while exporter.stats()["delivered"] < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        result = exporter.flush(10)
        assert len(revived.ingested("spans")) == 20 and len(revived.ingested("traces")) == 20
        assert exporter.stats()["delivered"] == 40 and not exporter.sender.down
        assert result.dropped == 0
    finally:
        revived.close()


def test_tight_loop_with_a_healthy_server_delivers_everything(sink: Sink, tracing: Start) -> None:
    # More records than the queue holds: past max_queue the caller queues encoded bytes.
    exporter = tracing(sink.url, max_queue=200, interval=10)
    leaf(0)
    assert sg.flush(5).delivered == 2  # the server is known to take batches
    for i in range(3_000):
        leaf(i)
    assert exporter.stats()["dropped_queue_full"] == 0
    result = sg.flush(10)
    assert result.ok and result.delivered == 6_000
    spans = sink.ingested("spans")
    assert len(spans) == 3_001 and sorted(s["input"]["i"] for s in spans)[-1] == 2_999
    assert exporter._encoded_bytes == 0


def test_encoded_overflow_is_bounded_by_bytes(sink: Sink, tracing: Start) -> None:
    exporter = tracing(sink.url, max_queue=100, max_queue_bytes=20_000, interval=10)
    leaf(0)
    sg.flush(5)
    sink.replies.append(Reply(200, delay=1.0))  # the exporter is busy: nothing drains
    leaf(0)
    sg.flush(0.01)
    for i in range(2_000):
        leaf(i)
    assert 20_000 <= exporter._encoded_bytes < 21_000
    assert exporter.stats()["dropped_queue_full"] > 1_000
