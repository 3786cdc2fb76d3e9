from __future__ import annotations

import gzip

import orjson
import pytest
from sqlalchemy import select

from spyglass.server.ingest import pricing
from spyglass.server.model.convert import load_json
from spyglass.server.store import tables as t
from spyglass.server.store.engine import make_engine
from tests.server.factory import ingest, llm_span, new_id, span, stats, trace


def test_accepts_traces_spans_and_scores(client):
    t = trace()
    s = llm_span(t["id"])
    body = ingest(client, traces=[t], spans=[s],
                  scores=[{"target": "trace", "target_id": t["id"], "name": "helpful", "value": 1}])
    assert body == {"accepted": {"traces": 1, "spans": 1, "scores": 1}, "rejected": []}
    got = client.get(f"/api/v1/traces/{t['id']}").json()
    assert got["trace"]["project"] == "demo"
    assert got["trace"]["input"] == {"question": "How do refunds work?"}
    assert got["trace"]["feedback_scores"][0]["name"] == "helpful"
    assert [x["id"] for x in got["spans"]] == [s["id"]]
    assert got["spans"][0]["type"] == "llm"
    assert got["spans"][0]["usage"] == {"prompt_tokens": 1000, "completion_tokens": 200}


def test_partial_success_keeps_good_items_and_names_bad_ones(client):
    t = trace()
    good = span(t["id"])
    response = client.post("/api/v1/ingest", json={"project": "demo", "traces": [t], "spans": [
        good,
        span(t["id"], start_time="yesterday"),
        span(t["id"], type="banana"),
        {**span(t["id"]), "id": "has spaces"},
        span(t["id"], usage={"prompt_tokens": -3}),
    ]})
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == {"traces": 1, "spans": 1, "scores": 0}
    rejected = {(r["index"], r["field"]) for r in body["rejected"]}
    assert rejected == {(1, "start_time"), (2, "type"), (3, "id"), (4, "usage.prompt_tokens")}
    assert all(r["kind"] == "spans" and r["reason"] for r in body["rejected"])
    spans = client.get(f"/api/v1/traces/{t['id']}").json()["spans"]
    assert [s["id"] for s in spans] == [good["id"]]


def test_all_items_invalid_is_422(client):
    response = client.post("/api/v1/ingest", json={"spans": [{"id": "x"}]})
    assert response.status_code == 422
    assert response.json()["rejected"] == [{"kind": "spans", "index": 0, "field": "trace_id", "reason": "Field required"}]


@pytest.mark.parametrize("body, content_type, status, message", [
    (b"{not json", "application/json", 400, "not valid JSON"),
    (b'{"traces": [{"id": "\xff\xfe"}]}', "application/json", 400, "not valid JSON"),
    (b"[1, 2]", "application/json", 400, "JSON object"),
    (b'{"traces": "nope"}', "application/json", 400, "traces"),
    (b"{}", "text/plain", 415, "content-type"),
])
def test_malformed_bodies_get_a_clear_4xx(client, body, content_type, status, message):
    response = client.post("/api/v1/ingest", content=body, headers={"content-type": content_type})
    assert response.status_code == status
    assert message in response.json()["error"]


def test_gzip_bodies_are_accepted(client):
    t = trace()
    raw = gzip.compress(orjson.dumps({"project": "demo", "traces": [t]}))
    response = client.post("/api/v1/ingest", content=raw,
                           headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert response.status_code == 200
    assert client.get(f"/api/v1/traces/{t['id']}").status_code == 200
    bad = client.post("/api/v1/ingest", content=b"not gzip",
                      headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert bad.status_code == 400


def test_bodies_over_the_limit_get_413(settings):
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from spyglass.server.app import create_app

    with TestClient(create_app(replace(settings, max_request_bytes=2000))) as small:
        big = {"traces": [trace(input="x" * 5000)]}
        assert small.post("/api/v1/ingest", json=big).status_code == 413
        bomb = gzip.compress(orjson.dumps({"traces": [trace(input="y" * 100_000)]}))
        assert len(bomb) < 2000
        response = small.post("/api/v1/ingest", content=bomb,
                              headers={"content-type": "application/json", "content-encoding": "gzip"})
        assert response.status_code == 413


@pytest.mark.parametrize("trace_id, span_id", [
    ("0193a6f0-7e1c-7b4a-9c2e-3f1d2a4b5c6d", "0193a6f0-7e1c-7b4a-9c2e-3f1d2a4b5c6e"),  # UUIDv7
    ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),  # OpenTelemetry hex ids
])
def test_ids_round_trip_unchanged(client, trace_id, span_id):
    ingest(client, traces=[trace(trace_id)], spans=[span(trace_id, span_id)])
    got = client.get(f"/api/v1/traces/{trace_id}").json()
    assert got["trace"]["id"] == trace_id
    assert got["spans"][0]["id"] == span_id
    assert got["spans"][0]["trace_id"] == trace_id


def test_span_before_its_trace_then_trace_merges(client):
    t = trace(name="late trace", thread_id="conv-1")
    s1, s2 = span(t["id"], offset_s=0.2), llm_span(t["id"], offset_s=0.3)
    ingest(client, spans=[s1, s2])
    early = client.get(f"/api/v1/traces/{t['id']}").json()["trace"]
    assert early["name"] is None and early["span_count"] == 2
    assert early["start_time"] == s1["start_time"]  # the earliest span stands in
    ingest(client, traces=[t])
    merged = client.get(f"/api/v1/traces/{t['id']}").json()["trace"]
    assert merged["name"] == "late trace"
    assert merged["start_time"] == t["start_time"]
    assert merged["span_count"] == 2
    assert merged["usage"]["total_tokens"] == 1200
    assert merged["thread_id"] == "conv-1"
    totals = stats(client)["totals"]
    assert (totals["trace_count"], totals["span_count"], totals["total_tokens"]) == (1, 2, 1200)


def test_update_after_create_merges_fields(client):
    t = trace(output=None, duration_s=None)
    s = span(t["id"], duration_s=None, input={"q": 1})
    ingest(client, traces=[t], spans=[s])
    assert client.get(f"/api/v1/traces/{t['id']}").json()["trace"]["status"] == "running"
    ingest(client, traces=[{"id": t["id"], "output": {"a": 2}, "end_time": "2026-11-20T12:00:03Z"}],
           spans=[{"id": s["id"], "trace_id": t["id"], "output": {"done": True}, "end_time": "2026-11-20T12:00:01Z"}])
    got = client.get(f"/api/v1/traces/{t['id']}").json()
    assert got["trace"]["output"] == {"a": 2}
    assert got["trace"]["input"] == t["input"]  # kept
    assert got["trace"]["start_time"] == t["start_time"]  # kept, not replaced by "now"
    assert got["trace"]["duration_ms"] == 3000.0
    assert got["trace"]["status"] == "ok"
    only = got["spans"][0]
    assert (only["input"], only["output"], only["type"]) == ({"q": 1}, {"done": True}, "general")
    assert only["start_time"] == s["start_time"] and only["duration_ms"] == 1000.0
    assert stats(client)["totals"]["span_count"] == 1


LONG_PROMPT = "Which of our plans include priority support? " * 3
LONG_ANSWER = "Priority support comes with the Team and Enterprise plans. " * 3


def _stored_refs(settings, span_id):
    engine = make_engine(settings.db_url)
    with engine.connect() as conn:
        refs = conn.execute(select(t.span.c.attribute_refs).where(t.span.c.id == span_id)).scalar()
    engine.dispose()
    return load_json(refs)


def _llm_with_raw_attributes(trace_id):
    attributes = {"llm.input_messages.0.message.content": LONG_PROMPT, "output.value": LONG_ANSWER,
                  "llm.token_count.total": 12}
    return llm_span(trace_id, input={"messages": [{"role": "user", "content": LONG_PROMPT}]},
                    output={"role": "assistant", "content": LONG_ANSWER}, attributes=attributes)


def test_raw_attributes_come_back_whole_though_stored_once(client, settings, dialect):
    t = trace()
    s = _llm_with_raw_attributes(t["id"])
    ingest(client, traces=[t], spans=[s])
    assert _stored_refs(settings, s["id"]) == {"llm.input_messages.0.message.content": ["input", "messages", 0,
                                                                                         "content"],
                                               "output.value": ["output", "content"]}
    got = client.get(f"/api/v1/spans/{s['id']}").json()
    assert got["attributes"] == s["attributes"]
    if dialect == "sqlite":  # JSONB keeps keys in an order of its own
        assert list(got["attributes"]) == list(s["attributes"])


@pytest.mark.parametrize("one_request", [False, True])
def test_an_update_of_input_or_output_keeps_the_raw_attributes(client, settings, one_request):
    t = trace()
    s = _llm_with_raw_attributes(t["id"])
    update = {"id": s["id"], "trace_id": t["id"], "output": {"role": "assistant", "content": "Changed."}}
    if one_request:  # both in one group commit
        ingest(client, traces=[t], spans=[s, update])
    else:
        ingest(client, traces=[t], spans=[s])
        assert _stored_refs(settings, s["id"]) is not None
        ingest(client, spans=[update])
    got = client.get(f"/api/v1/spans/{s['id']}").json()
    assert got["output"] == update["output"] and got["input"] == s["input"]
    assert got["attributes"] == s["attributes"]
    # Attributes given with the update replace the old ones and their references.
    ingest(client, spans=[{**update, "attributes": {"output.value": "Changed."}}])
    assert client.get(f"/api/v1/spans/{s['id']}").json()["attributes"] == {"output.value": "Changed."}
    assert _stored_refs(settings, s["id"]) is None


def test_duplicate_delivery_is_idempotent(client):
    t = trace(thread_id="conv-9")
    spans = [llm_span(t["id"]) for _ in range(3)]
    score = {"target": "trace", "target_id": t["id"], "name": "quality", "value": 0.5}
    for _ in range(3):
        ingest(client, traces=[t], spans=spans, scores=[score])
    # and the same span twice inside one request
    ingest(client, spans=[spans[0], spans[0]])
    got = client.get(f"/api/v1/traces/{t['id']}").json()
    assert got["trace"]["span_count"] == 3
    assert got["trace"]["usage"]["total_tokens"] == 3600
    assert len(got["trace"]["feedback_scores"]) == 1
    totals = stats(client)["totals"]
    assert (totals["trace_count"], totals["span_count"], totals["llm_calls"]) == (1, 3, 3)
    assert totals["scores"] == {"quality": 0.5}
    threads = client.get("/api/v1/threads", params={"project": "demo"}).json()["items"]
    assert [(th["id"], th["turn_count"]) for th in threads] == [("conv-9", 1)]


def test_cost_from_price_table_and_unknown_model(client):
    t = trace()
    known = llm_span(t["id"], usage={"prompt_tokens": 1000, "completion_tokens": 200, "cached_tokens": 400})
    unknown = llm_span(t["id"], model="my-private-model-7b")
    given = llm_span(t["id"], model="my-private-model-7b", cost=0.25)
    ingest(client, traces=[t], spans=[known, unknown, given])
    spans = {s["id"]: s for s in client.get(f"/api/v1/traces/{t['id']}").json()["spans"]}
    expected = pricing.compute_cost("gpt-4o-mini", "openai", 1000, 200, cached_tokens=400)
    assert expected is not None and expected > 0
    assert spans[known["id"]]["cost"] == pytest.approx(expected)
    assert spans[unknown["id"]]["cost"] is None  # unknown, never $0
    assert spans[given["id"]]["cost"] == 0.25
    trace_cost = client.get(f"/api/v1/traces/{t['id']}").json()["trace"]["cost"]
    assert trace_cost == pytest.approx(expected + 0.25)


def test_trace_of_only_unknown_cost_spans_has_unknown_cost(client):
    t = trace()
    ingest(client, traces=[t], spans=[llm_span(t["id"], model="mystery")])
    assert client.get(f"/api/v1/traces/{t['id']}").json()["trace"]["cost"] is None


def test_error_spans_mark_the_trace(client):
    t = trace()
    ingest(client, traces=[t], spans=[span(t["id"], error={"type": "ValueError", "message": "boom"})])
    got = client.get(f"/api/v1/traces/{t['id']}").json()
    assert got["trace"]["status"] == "error" and got["trace"]["error_span_count"] == 1
    assert got["spans"][0]["error"] == {"type": "ValueError", "message": "boom"}
    totals = stats(client)["totals"]
    assert (totals["trace_errors"], totals["span_errors"], totals["error_rate"]) == (1, 1, 1.0)


def test_project_is_created_by_its_first_write(client):
    assert client.get("/api/v1/traces", params={"project": "fresh"}).status_code == 404
    ingest(client, project="fresh", traces=[trace()])
    names = [p["name"] for p in client.get("/api/v1/projects").json()["items"]]
    assert "fresh" in names
    # items may name their own project
    other = trace(project="other")
    ingest(client, traces=[other])
    assert client.get(f"/api/v1/traces/{other['id']}").json()["trace"]["project"] == "other"


def test_scores_on_spans_threads_and_overwrite(client):
    t = trace(thread_id="th-1")
    s = span(t["id"])
    ingest(client, traces=[t], spans=[s])
    response = client.post("/api/v1/scores", json=[
        {"target": "span", "target_id": s["id"], "name": "relevance", "value": 0.2, "reason": "off topic"},
        {"target": "thread", "target_id": "th-1", "name": "frustration", "label": "high", "source": "ui",
         "project": "demo"},
        {"target": "span", "target_id": s["id"], "name": "relevance", "value": 0.8},
    ])
    assert response.json()["accepted"]["scores"] == 3
    got = client.get(f"/api/v1/traces/{t['id']}").json()["spans"][0]["feedback_scores"]
    assert [(x["name"], x["value"], x["reason"]) for x in got] == [("relevance", 0.8, None)]
    thread = client.get("/api/v1/threads/th-1", params={"project": "demo"}).json()
    assert thread["feedback_scores"][0]["label"] == "high"
    assert thread["feedback_scores"][0]["source"] == "ui"
    assert stats(client)["totals"]["scores"] == {"relevance": 0.8}


def test_scores_endpoint_rejects_bad_targets(client):
    response = client.post("/api/v1/scores", json=[{"target": "user", "target_id": "x", "name": "n", "value": 1}])
    assert response.status_code == 422
    assert response.json()["rejected"][0]["field"] == "target"


def test_threads_count_turns_in_order(client):
    traces = [trace(thread_id="c-1", offset_s=i * 10) for i in range(3)] + [trace(thread_id="c-2", offset_s=100)]
    ingest(client, traces=traces)
    listed = client.get("/api/v1/threads", params={"project": "demo"}).json()["items"]
    assert [(x["id"], x["turn_count"]) for x in listed] == [("c-2", 1), ("c-1", 3)]
    one = client.get("/api/v1/threads/c-1", params={"project": "demo"}).json()
    assert [x["id"] for x in one["traces"]] == [x["id"] for x in traces[:3]]
    assert one["duration_ms"] == 21_000.0
    assert client.get("/api/v1/threads/nope", params={"project": "demo"}).status_code == 404


def test_new_trace_id_is_unique_per_request_stream(client):
    ids = [new_id() for _ in range(50)]
    ingest(client, traces=[trace(i, offset_s=n) for n, i in enumerate(ids)])
    assert stats(client)["totals"]["trace_count"] == 50


def test_a_sent_cost_survives_a_later_write_with_model_and_usage(client):
    """An update carrying the cost can overtake the create carrying model and usage (opik SDK)."""
    t = trace()
    first = llm_span(t["id"], model=None, usage=None, cost=0.25)
    ingest(client, traces=[t], spans=[first])
    create = {**first, "model": "gpt-4o-mini", "usage": {"prompt_tokens": 1000, "completion_tokens": 200}}
    del create["cost"]
    ingest(client, spans=[create])
    stored = client.get(f"/api/v1/spans/{first['id']}").json()
    assert stored["model"] == "gpt-4o-mini" and stored["cost"] == 0.25
    assert client.get(f"/api/v1/traces/{t['id']}").json()["trace"]["cost"] == pytest.approx(0.25)
    # A computed cost still follows new usage.
    other = llm_span(t["id"], usage={"prompt_tokens": 1000, "completion_tokens": 200})
    ingest(client, spans=[other])
    ingest(client, spans=[{**other, "usage": {"prompt_tokens": 2000, "completion_tokens": 400}}])
    expected = pricing.compute_cost("gpt-4o-mini", "openai", 2000, 400)
    assert client.get(f"/api/v1/spans/{other['id']}").json()["cost"] == pytest.approx(expected)
