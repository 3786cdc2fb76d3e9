"""The UI's pages over plain HTTP (no browser): content, empty states, filter errors, partials, annotation."""

from __future__ import annotations

from tests.server.factory import ingest, llm_span, new_id, span, trace


def _seed(client):
    t1, t2 = trace(name="rag.answer", thread_id="conv-1", user_id="u-1", tags=["beta"]), trace(
        name="agent.run", offset_s=60, error={"type": "Boom", "message": "tool failed"}, thread_id="conv-1")
    root = new_id()
    docs = {"documents": [{"id": "d1", "content": "Refunds within 30 days.", "score": 0.9}]}
    spans = [span(t1["id"], root, name="answer", type="chain"),
             span(t1["id"], parent_span_id=root, name="search", type="retriever", output=docs),
             llm_span(t1["id"], parent_span_id=root, input={"messages": [
                 {"role": "system", "content": "Be brief."}, {"role": "user", "content": "refunds?"}]},
                 output={"role": "assistant", "content": None, "tool_calls": [
                     {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\": 1}"}}]})]
    ingest(client, "shop", traces=[t1, t2], spans=spans,
           scores=[{"target": "trace", "target_id": t1["id"], "name": "helpful", "value": 0.9, "source": "sdk"}])
    return t1, t2, spans


def test_empty_projects_page_tells_how_to_send_a_trace(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "pip install spyglass" in page.text and "/v1/traces" in page.text and "OTEL_EXPORTER" in page.text


def test_projects_traces_and_spans_pages(client):
    t1, _, _ = _seed(client)
    home = client.get("/")
    assert "/projects/shop/traces" in home.text and "50.0%" in home.text  # one of two traces failed
    traces = client.get("/projects/shop/traces")
    assert traces.status_code == 200
    assert t1["id"] in traces.text and "agent.run" in traces.text and "helpful: 0.9" in traces.text
    assert "conv-1" in traces.text and "beta" in traces.text
    spans = client.get("/projects/shop/spans", params={"filter": 'type = "llm"'})
    assert "openai.chat" in spans.text and "search" not in spans.text.split("<tbody>")[1]
    assert client.get("/projects/nope/traces").status_code == 404


def test_filter_error_points_at_the_column(client):
    _seed(client)
    page = client.get("/projects/shop/traces", params={"filter": "duraton > 2s"})
    assert page.status_code == 200
    assert 'class="filter-error"' in page.text and "column 1" in page.text and "did you mean" in page.text
    assert '<mark class="bad">d</mark>' in page.text


def test_sort_range_and_load_more_keep_state(client):
    ingest(client, "many", traces=[trace(offset_s=i) for i in range(60)])
    page = client.get("/projects/many/traces", params={"sort": "-duration", "range": "30d", "filter": "duration > 0s"})
    assert page.status_code == 200 and "Load more" in page.text
    assert "filter=duration" in page.text and "sort=-duration" in page.text
    first = client.get("/projects/many/traces")
    cursor = first.text.split("cursor=")[1].split('"')[0]
    more = client.get("/projects/many/traces", params={"cursor": cursor})
    assert more.status_code == 200 and more.text.count("<tr data-href") == 10 and "<html" not in more.text


def test_trace_page_and_span_detail(client):
    t1, _, spans = _seed(client)
    page = client.get(f"/traces/{t1['id']}")
    assert page.status_code == 200 and 'id="skeleton"' in page.text and spans[0]["id"] in page.text
    assert '"input"' not in page.text.split('id="skeleton"')[1]  # payloads are not in the tree
    skeleton = client.get(f"/traces/{t1['id']}/skeleton").json()
    assert len(skeleton["rows"]) == 3 and skeleton["running"] is False
    llm = client.get(f"/spans/{spans[2]['id']}/detail").text
    assert 'msg role-system' in llm and "Be brief." in llm and "lookup" in llm
    retriever = client.get(f"/spans/{spans[1]['id']}/detail").text
    assert '<ol class="docs">' in retriever and "Refunds within 30 days." in retriever
    detail = client.get(f"/traces/{t1['id']}/detail").text
    assert "helpful" in detail and "How do refunds work?" in detail


def test_threads_pages(client):
    _seed(client)
    listing = client.get("/projects/shop/threads")
    assert "conv-1" in listing.text
    thread = client.get("/projects/shop/threads/conv-1")
    assert thread.status_code == 200 and thread.text.count('<li class="turn') == 2 and "Within 30 days." in thread.text


def test_annotate_add_edit_remove(client):
    t1, _, _ = _seed(client)
    form = {"target": "trace", "target_id": t1["id"], "project": "shop", "name": "tone", "value": "0.5",
            "label": "", "reason": "ok", "author": ""}
    added = client.post("/ui/scores", data=form)
    assert added.status_code == 200 and "tone: 0.5" in added.text
    edited = client.post("/ui/scores", data={**form, "value": "1", "label": "great"})
    assert "tone: 1 · great" in edited.text and "tone: 0.5" not in edited.text
    bad = client.post("/ui/scores", data={**form, "value": "", "label": ""})
    assert 'role="alert"' in bad.text
    removed = client.post("/ui/scores/delete", data={"target": "trace", "target_id": t1["id"], "project": "shop",
                                                     "name": "tone", "author": ""})
    assert "tone:" not in removed.text and "helpful" in removed.text
    totals = client.get("/api/v1/projects/shop/stats", params={"from": "2020-01-01T00:00:00Z"}).json()["totals"]
    assert "tone" not in totals["scores"]


def test_delete_score_api(client):
    t1, _, _ = _seed(client)
    params = {"target": "trace", "target_id": t1["id"], "name": "helpful"}
    assert client.delete("/api/v1/scores", params=params).status_code == 204
    assert client.get(f"/api/v1/traces/{t1['id']}").json()["trace"]["feedback_scores"] == []
    assert client.delete("/api/v1/scores", params=params).status_code == 404


def test_language_switch_and_safe_redirect(client):
    switched = client.get("/ui/lang/zh-CN", params={"next": "/projects/x/traces"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/projects/x/traces"
    assert "项目" in client.get("/").text
    evil = client.get("/ui/lang/en", params={"next": "//evil.example/"}, follow_redirects=False)
    assert evil.headers["location"] == "/"


def test_every_page_context_is_available_as_json(client):
    t1, _, _ = _seed(client)
    listing = client.get("/projects/shop/traces", params={"format": "json"}).json()
    assert listing["state"]["project"] == "shop" and len(listing["page"]["items"]) == 2
    assert client.get(f"/traces/{t1['id']}", params={"format": "json"}).json()["trace"]["id"] == t1["id"]
