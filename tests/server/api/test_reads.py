from __future__ import annotations

import pytest

from tests.server.factory import ingest, llm_span, span, stats, trace


@pytest.fixture
def seeded(client):
    traces = [trace(name=f"t{i:02d}", offset_s=i, duration_s=i + 1) for i in range(25)]
    spans = [llm_span(t["id"], offset_s=n, usage={"prompt_tokens": n, "completion_tokens": 1})
             for n, t in enumerate(traces)]
    ingest(client, traces=traces, spans=spans)
    return client, traces


def _all_pages(client, path, **params):
    seen, cursor = [], None
    while True:
        page = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_trace_list_pages_by_keyset_newest_first(seeded):
    client, traces = seeded
    ids = _all_pages(client, "/api/v1/traces", project="demo", limit=7)
    assert ids == [t["id"] for t in reversed(traces)]


@pytest.mark.parametrize("sort", ["duration", "-duration", "name", "-tokens", "start_time"])
def test_trace_list_sorts_and_pages_without_gaps(seeded, sort):
    client, traces = seeded
    ids = _all_pages(client, "/api/v1/traces", project="demo", limit=4, sort=sort)
    assert sorted(ids) == sorted(t["id"] for t in traces)
    first = client.get("/api/v1/traces", params={"project": "demo", "sort": sort, "limit": 25}).json()["items"]
    key = {"duration": "duration_ms", "name": "name", "tokens": "usage", "start_time": "start_time"}[sort.lstrip("-")]
    values = [x[key]["total_tokens"] if key == "usage" else x[key] for x in first]
    assert values == sorted(values, reverse=sort.startswith("-"))


@pytest.mark.parametrize("params, field", [
    ({"sort": "colour"}, "sort"),
    ({"cursor": "garbage!"}, "cursor"),
    ({"limit": 0}, "limit"),
    ({"limit": 5000}, "limit"),
])
def test_bad_list_parameters_get_400(seeded, params, field):
    client, _ = seeded
    response = client.get("/api/v1/traces", params={"project": "demo", **params})
    assert response.status_code == 400
    assert response.json()["error"].startswith(field)


def test_missing_project_parameter_is_422_naming_it(client):
    response = client.get("/api/v1/traces")
    assert response.status_code == 422
    assert "project" in response.json()["error"]


def test_unknown_things_are_404(client):
    assert client.get("/api/v1/traces/nope").status_code == 404
    assert client.get("/api/v1/spans/nope").status_code == 404
    assert client.patch("/api/v1/traces/nope", json={"name": "x"}).status_code == 404
    assert client.delete("/api/v1/spans/nope").status_code == 404
    assert client.get("/api/v1/projects/nope/stats").status_code == 404
    response = client.get("/api/v1/spans", params={"project": "nope"})
    assert response.status_code == 404 and "nope" in response.json()["error"]


def test_trace_detail_as_tree(client):
    t = trace()
    root = span(t["id"], name="root")
    child = span(t["id"], name="child", parent_span_id=root["id"], offset_s=0.1)
    grandchild = span(t["id"], name="grandchild", parent_span_id=child["id"], offset_s=0.2)
    orphan = span(t["id"], name="orphan", parent_span_id="not-here", offset_s=0.3)
    ingest(client, traces=[t], spans=[grandchild, orphan, child, root])
    flat = client.get(f"/api/v1/traces/{t['id']}").json()["spans"]
    assert [s["name"] for s in flat] == ["root", "child", "grandchild", "orphan"]
    tree = client.get(f"/api/v1/traces/{t['id']}", params={"tree": "true"}).json()["spans"]
    assert [s["name"] for s in tree] == ["root", "orphan"]
    assert tree[0]["children"][0]["children"][0]["name"] == "grandchild"


def test_span_list_across_traces(seeded):
    client, _ = seeded
    ids = _all_pages(client, "/api/v1/spans", project="demo", limit=10)
    assert len(ids) == 25
    one = client.get(f"/api/v1/spans/{ids[0]}").json()
    assert one["type"] == "llm" and one["model"] == "gpt-4o-mini"


def test_patch_trace_and_span(client):
    t = trace(tags=["a"])
    s = span(t["id"])
    ingest(client, traces=[t], spans=[s])
    patched = client.patch(f"/api/v1/traces/{t['id']}", json={"tags": ["a", "b"], "metadata": {"env": "prod"}})
    assert patched.status_code == 200
    assert patched.json()["tags"] == ["a", "b"] and patched.json()["metadata"] == {"env": "prod"}
    assert patched.json()["input"] == t["input"]
    span_patch = client.patch(f"/api/v1/spans/{s['id']}", json={"output": "ok", "model": "gpt-4o",
                                                                 "usage": {"prompt_tokens": 10, "completion_tokens": 5}})
    assert span_patch.json()["output"] == "ok" and span_patch.json()["cost"] > 0
    bad = client.patch(f"/api/v1/spans/{s['id']}", json={"start_time": "soon"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "start_time"
    assert client.patch(f"/api/v1/spans/{s['id']}", content=b"[]").status_code == 400
    trace_now = client.get(f"/api/v1/traces/{t['id']}").json()["trace"]
    assert trace_now["usage"]["total_tokens"] == 15
    assert trace_now["cost"] == pytest.approx(span_patch.json()["cost"])


def test_delete_trace_removes_spans_scores_and_rollups(client):
    keep, gone = trace(thread_id="th"), trace(thread_id="th", offset_s=5)
    spans = [llm_span(keep["id"]), llm_span(gone["id"]), llm_span(gone["id"])]
    ingest(client, traces=[keep, gone], spans=spans,
           scores=[{"target": "trace", "target_id": gone["id"], "name": "q", "value": 0.0},
                   {"target": "trace", "target_id": keep["id"], "name": "q", "value": 1.0}])
    assert stats(client)["totals"]["span_count"] == 3
    assert client.delete(f"/api/v1/traces/{gone['id']}").status_code == 204
    assert client.get(f"/api/v1/traces/{gone['id']}").status_code == 404
    assert client.get(f"/api/v1/spans/{spans[1]['id']}").status_code == 404
    totals = stats(client)["totals"]
    assert (totals["trace_count"], totals["span_count"], totals["total_tokens"]) == (1, 1, 1200)
    assert totals["scores"] == {"q": 1.0}
    thread = client.get("/api/v1/threads/th", params={"project": "demo"}).json()
    assert thread["turn_count"] == 1


def test_delete_span_updates_trace_totals(client):
    t = trace()
    a, b = llm_span(t["id"]), llm_span(t["id"])
    ingest(client, traces=[t], spans=[a, b])
    assert client.delete(f"/api/v1/spans/{a['id']}").status_code == 204
    got = client.get(f"/api/v1/traces/{t['id']}").json()
    assert got["trace"]["span_count"] == 1 and got["trace"]["usage"]["total_tokens"] == 1200
    assert [s["id"] for s in got["spans"]] == [b["id"]]


def test_bulk_delete(client):
    traces = [trace() for _ in range(3)]
    ingest(client, traces=traces)
    assert client.post("/api/v1/traces/delete", json={"ids": [t["id"] for t in traces[:2]]}).status_code == 204
    assert [x["id"] for x in client.get("/api/v1/traces", params={"project": "demo"}).json()["items"]] == \
        [traces[2]["id"]]


def test_stats_series_and_percentiles(client):
    traces = [trace(offset_s=h * 3600, duration_s=d) for h, d in [(0, 1), (0, 2), (0, 3), (1, 10)]]
    ingest(client, traces=traces)
    hourly = client.get("/api/v1/projects/demo/stats", params={
        "from": "2026-11-20T12:00:00Z", "to": "2026-11-20T14:00:00Z", "interval": "1h"}).json()
    assert [p["trace_count"] for p in hourly["series"]] == [3, 1]
    assert [p["time"] for p in hourly["series"]] == ["2026-11-20T12:00:00.000000Z", "2026-11-20T13:00:00.000000Z"]
    first = hourly["series"][0]["latency"]
    assert first["p50_ms"] == pytest.approx(2000, rel=0.05) and first["p99_ms"] == pytest.approx(3000, rel=0.05)
    assert hourly["totals"]["latency"]["p99_ms"] == pytest.approx(10_000, rel=0.05)
    bad = client.get("/api/v1/projects/demo/stats", params={"interval": "7m"})
    assert bad.status_code == 400 and "interval" in bad.json()["error"]
    backwards = client.get("/api/v1/projects/demo/stats", params={"from": "2026-11-21T00:00:00Z",
                                                                  "to": "2026-11-20T00:00:00Z"})
    assert backwards.status_code == 400


def test_projects_list_and_create(client):
    created = client.post("/api/v1/projects", json={"name": "new-one", "description": "hello"})
    assert created.status_code == 201 and created.json()["description"] == "hello"
    assert client.post("/api/v1/projects", json={"name": "new-one"}).status_code == 409
    assert client.post("/api/v1/projects", json={"name": ""}).status_code == 422
    ingest(client, project="busy", traces=[trace()], spans=[])
    items = client.get("/api/v1/projects").json()["items"]
    busy = next(p for p in items if p["name"] == "busy")
    assert busy["trace_count"] == 1 and busy["last_activity"].startswith("2026-11-20")
    assert items[0]["name"] == "busy"  # most recent activity first


def test_health_docs_and_root_page(client):
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["database"] in ("sqlite", "postgresql")
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/api/v1/ingest" in schema["paths"] and "IngestBody" in schema["components"]["schemas"]
    page = client.get("/")
    assert page.status_code == 200 and "No traces yet" in page.text


def test_filters_through_the_api(client):
    slow = trace(name="slow one", duration_s=5, metadata={"env": "prod"}, tags=["beta"],
                 input={"question": "我想申请退款 refund please"})
    fast = trace(name="fast one", duration_s=0.1, metadata={"env": "dev"}, input={"question": "hello"})
    llm = llm_span(slow["id"], duration_s=3)
    ingest(client, traces=[slow, fast], spans=[llm, span(fast["id"])],
           scores=[{"target": "trace", "target_id": slow["id"], "name": "hallucination", "value": 0.7}])

    def ids(path, text):
        response = client.get(path, params={"project": "demo", "filter": text})
        assert response.status_code == 200, response.text
        return [x["id"] for x in response.json()["items"]]

    assert ids("/api/v1/traces", 'duration > 2s and metadata.env = "prod"') == [slow["id"]]
    assert ids("/api/v1/traces", 'tags contains "beta"') == [slow["id"]]
    assert ids("/api/v1/traces", "feedback.hallucination >= 0.5") == [slow["id"]]
    assert ids("/api/v1/traces", 'input ~ "退款"') == [slow["id"]]
    assert ids("/api/v1/traces", 'input ~ "REFUND"') == [slow["id"]]
    assert ids("/api/v1/spans", 'type = "llm" and model = "gpt-4o-mini" and duration > 2s') == [llm["id"]]
    assert ids("/api/v1/traces", 'name = "fast one" or name = "slow one"') == [fast["id"], slow["id"]]


def test_filter_errors_point_at_the_column(client):
    ingest(client, traces=[trace()])
    response = client.get("/api/v1/traces", params={"project": "demo", "filter": 'name = "x" and duraton > 2s'})
    assert response.status_code == 400
    body = response.json()
    assert body["error"].startswith("filter: ")
    assert body["detail"]["field"] == "filter" and body["detail"]["position"] == 16


def test_search_finds_a_trace_written_after_the_newest_was_deleted(client):
    store = client.app.state.store
    old = trace(input={"q": "alpha"})
    ingest(client, traces=[old])
    with store.engine.begin() as conn:  # index everything written so far
        from spyglass.server.store import search

        while search.catch_up(conn, 1000):
            pass
    assert client.delete(f"/api/v1/traces/{old['id']}").status_code == 204
    new = trace(input={"q": "bravo"})
    ingest(client, traces=[new])
    found = client.get("/api/v1/traces", params={"project": "demo", "filter": 'input ~ "bravo"'}).json()["items"]
    assert [x["id"] for x in found] == [new["id"]]
