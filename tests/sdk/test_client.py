from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import spyglass.sdk as sg
from spyglass.sdk.exporter import _live

from .sink import Reply, Request, Sink


@pytest.fixture
def client(sink: sg.Client) -> Any:
    c = sg.Client(url=sink.url, api_key="k", project="manual")  # type: ignore[attr-defined]
    yield c
    c.flush(2)
    c.close()
    _live.discard(c._sink)  # type: ignore[arg-type]


def test_manual_trace_with_spans_and_feedback(sink: Sink, client: sg.Client) -> None:
    t = client.trace("chat", input={"q": "hi"}, thread_id="conv-1", user_id="u1", tags=["x"])
    llm = t.span("llm-call", type="llm", input={"messages": []}, model="gpt-4o")
    tool = llm.span("lookup", type="tool")
    tool.end(output={"rows": 2})
    llm.end(output="hello", usage={"prompt_tokens": 3, "completion_tokens": 1})
    llm.score("accuracy", 1.0, reason="right")
    t.end(output={"answer": "hello"}, metadata={"env": "dev"})
    t.end(output="ignored")  # idempotent
    client.log_trace_feedback(t.id, "helpfulness", 0.9, reason="good")
    client.log_thread_feedback("conv-1", "resolved", label="yes")
    client.log_span_feedback(llm.id, "latency_ok", 1)
    assert client.flush(5).delivered == 7

    spans = {s["name"]: s for s in sink.ingested("spans")}
    assert "parent_span_id" not in spans["llm-call"]
    assert spans["lookup"]["parent_span_id"] == spans["llm-call"]["id"] == llm.id
    assert spans["llm-call"]["model"] == "gpt-4o" and spans["llm-call"]["usage"]["total_tokens"] == 4
    (trace,) = sink.ingested("traces")
    assert trace["id"] == t.id and trace["output"] == {"answer": "hello"}
    assert trace["thread_id"] == "conv-1" and trace["metadata"] == {"env": "dev"} and "end_time" in trace
    assert sink.posts()[0].body["project"] == "manual"
    scores = {s["name"]: s for s in sink.ingested("scores")}
    assert scores["accuracy"]["target"] == "span" and scores["accuracy"]["target_id"] == llm.id
    assert scores["helpfulness"] == {"target": "trace", "target_id": t.id, "name": "helpfulness", "source": "sdk",
                                     "value": 0.9, "reason": "good"}
    assert scores["resolved"]["target"] == "thread" and scores["resolved"]["target_id"] == "conv-1"


def test_tracked_calls_nest_under_a_manual_trace(sink: Sink, client: sg.Client) -> None:
    @sg.track
    def step() -> int:
        return 1

    with client.trace("job", id="custom-trace-1") as t:
        step()
    client.flush(5)
    sg.flush(5)
    assert t.id == "custom-trace-1"
    # step() went to the global exporter of the same server; it belongs to the manual trace
    spans = sink.ingested("spans")
    assert [s["trace_id"] for s in spans if s["name"] == "step"] == ["custom-trace-1"]
    assert "parent_span_id" not in spans[0]
    assert [tr["id"] for tr in sink.ingested("traces")] == ["custom-trace-1"]


def test_search_follows_cursors(sink: Sink, client: sg.Client) -> None:
    seen: list[dict[str, list[str]]] = []

    def traces(req: Request) -> Reply:
        q = parse_qs(urlsplit(req.path).query)
        seen.append(q)
        if "cursor" not in q:
            return Reply(200, {"items": [{"id": "a"}, {"id": "b"}], "next_cursor": "c1"})
        return Reply(200, {"items": [{"id": "c"}], "next_cursor": None})

    sink.get_routes["/api/v1/traces"] = traces
    items = client.search_traces('tags contains "beta" and duration > 2s', limit=10)
    assert [i["id"] for i in items] == ["a", "b", "c"]
    assert seen[0]["filter"] == ['tags contains "beta" and duration > 2s']
    assert seen[0]["project"] == ["manual"] and seen[0]["limit"] == ["10"]
    assert seen[1]["cursor"] == ["c1"] and seen[1]["limit"] == ["8"]
    get = next(r for r in sink.requests if r.method == "GET")
    assert get.headers["authorization"] == "Bearer k"


def test_search_spans_limit_and_get_trace(sink: Sink, client: sg.Client) -> None:
    sink.get_routes["/api/v1/spans"] = {"items": [{"id": str(i)} for i in range(5)], "next_cursor": "more"}
    assert len(client.search_spans("type = \"llm\"", limit=3, project="other")) == 3
    sink.get_routes["/api/v1/traces/t1"] = {"trace": {"id": "t1"}, "spans": [{"id": "s1"}]}
    assert client.get_trace("t1") == {"trace": {"id": "t1"}, "spans": [{"id": "s1"}]}


def test_read_errors_raise(sink: Sink, client: sg.Client, dead_url: str) -> None:
    with pytest.raises(sg.SpyglassAPIError) as info:
        client.get_trace("missing")
    assert info.value.status == 404
    offline = sg.Client(url=dead_url)
    with pytest.raises(sg.SpyglassAPIError) as info:
        offline.search_traces()
    assert info.value.status == 0


def test_bad_feedback_target(client: sg.Client) -> None:
    with pytest.raises(ValueError):
        client.log_feedback("project", "x", "n", 1)
