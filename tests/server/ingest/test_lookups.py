"""The writer's combined read: stored traces and stored span ids in one statement, or two."""

from __future__ import annotations

import pytest

from spyglass.server.ingest import lookups
from spyglass.server.store.engine import make_engine
from tests.server.factory import ingest, span, trace


@pytest.mark.parametrize("chunk", [lookups.CHUNK, 3])  # one statement; two when the ids do not fit
def test_traces_and_stored_spans_equal_the_separate_reads(client, settings, monkeypatch, chunk):
    shared_id = "same-id-for-a-trace-and-a-span"
    t1, t2 = trace(), trace(shared_id, thread_id="conv-1", error={"type": "E", "message": "m"})
    spans = [span(t1["id"]), span(t1["id"], span_id=shared_id), span(t2["id"])]
    ingest(client, traces=[t1, t2], spans=spans)
    monkeypatch.setattr(lookups, "CHUNK", chunk)
    trace_ids = [t1["id"], t2["id"], "missing-trace"]
    span_ids = [spans[0]["id"], shared_id, "missing-span"]
    engine = make_engine(settings.db_url)
    with engine.connect() as conn:
        traces, stored = lookups.traces_and_stored_spans(conn, trace_ids, span_ids)
        assert traces == lookups.select_traces(conn, trace_ids)
        assert set(traces) == {t1["id"], shared_id}
        assert traces[shared_id].thread_id == "conv-1" and traces[shared_id].has_error
        assert sorted(stored) == sorted([spans[0]["id"], shared_id])
        assert lookups.traces_and_stored_spans(conn, [], span_ids)[1] == lookups.existing_ids(conn, "span", span_ids)
    engine.dispose()
