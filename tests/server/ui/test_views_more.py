"""Over plain HTTP: column chooser, pages in the URL, filter hints, bulk tags, HTML error pages,
and the lazy trace tree (with the inline limit lowered so a small trace takes the big-trace path)."""

from __future__ import annotations

import json

import pytest

from spyglass.server.ui import trace_lazy, trace_view
from tests.server.factory import ingest, span, trace
from tests.server.ui.seed import big_trace_body


def test_column_chooser_and_pages_in_the_url(client):
    ingest(client, "many", traces=[trace(offset_s=i, metadata={"env": "prod"}, tags=["a"]) for i in range(120)],
           scores=[])
    page = client.get("/projects/many/traces", params={"cols": "duration,tokens"})
    head = page.text.split("<thead>")[1].split("</thead>")[0]
    assert "Duration" in head and "Tokens" in head and "Name" in head and "Input" not in head
    assert 'name="cols" value="name,duration,tokens"' in page.text
    assert "cols=name%2Cduration%2Ctokens" in page.text and "pages=2" in page.text  # sort links and load more
    three = client.get("/projects/many/traces", params={"pages": "3"})
    assert three.text.count("<tr data-href") == 120 and "Load more" not in three.text
    two = client.get("/projects/many/traces", params={"pages": "2"})
    assert two.text.count("<tr data-href") == 100 and "pages=3" in two.text
    cursor = two.text.split("cursor=")[1].split('"')[0]
    rest = client.get("/projects/many/traces", params={"pages": "3", "cursor": cursor.replace("%3D", "=")})
    assert rest.text.count("<tr data-href") == 20


def test_filter_hints_offer_project_keys_and_names(client):
    t1 = trace(metadata={"env": "prod", "region": "eu"})
    ingest(client, "shop", traces=[t1], spans=[span(t1["id"], metadata={"tool": "x"})],
           scores=[{"target": "trace", "target_id": t1["id"], "name": "helpful", "value": 1, "source": "sdk"}])
    page = client.get("/projects/shop/traces").text
    hints = json.loads(page.split('id="filter-hints">')[1].split("</script>")[0])
    assert hints["metadata"] == ["env", "region"] and hints["feedback"] == ["helpful"]
    assert "contains" in hints["fields"]["tags"]["ops"] and '"ok"' in hints["fields"]["status"]["values"]
    assert "type" not in hints["fields"]
    spans = json.loads(client.get("/projects/shop/spans").text.split('id="filter-hints">')[1].split("</script>")[0])
    assert spans["metadata"] == ["tool"] and '"llm"' in spans["fields"]["type"]["values"]


def test_bulk_tags_api(client):
    t1, t2 = trace(tags=["keep", "old"]), trace(offset_s=5)
    ingest(client, "shop", traces=[t1, t2])
    answer = client.post("/api/v1/traces/tags", json={"ids": [t1["id"], t2["id"], "nope"], "add": ["reviewed"],
                                                      "remove": ["old"]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"matched": 2, "updated": 2, "missing": ["nope"]}
    assert client.get(f"/api/v1/traces/{t1['id']}").json()["trace"]["tags"] == ["keep", "reviewed"]
    got = client.get(f"/api/v1/traces/{t2['id']}").json()["trace"]
    assert got["tags"] == ["reviewed"] and got["name"] == "chat" and got["input"] == t2["input"]  # the rest is kept
    again = client.post("/api/v1/traces/tags", json={"ids": [t1["id"]], "add": ["reviewed"]})
    assert again.json()["updated"] == 0
    assert client.post("/api/v1/traces/tags", json={"ids": []}).status_code == 422


def test_html_error_pages(client):
    for path in ("/projects/nope/traces", "/projects/nope/threads/x", "/traces/missing", "/projects/x/unknown/page"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html") and "<html" in page.text, path
        assert "Back to projects" in page.text
    fragment = client.get("/spans/missing/detail", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.text and 'role="alert"' in fragment.text
    api = client.get("/api/v1/traces/missing")
    assert api.status_code == 404 and api.json()["error"]
    assert client.get("/traces/missing/skeleton").headers["content-type"].startswith("application/json")


@pytest.fixture
def lazy_limits(monkeypatch):
    monkeypatch.setattr(trace_view, "INLINE_SPANS", 10)
    monkeypatch.setattr(trace_lazy, "CHILDREN_LIMIT", 7)


def test_big_trace_loads_subtrees_on_demand(client, lazy_limits):
    trace_id, body = big_trace_body(201, project="big")  # a root, 50 steps, 3 calls under each step
    ingest(client, **body)
    page = client.get(f"/traces/{trace_id}").text
    doc = json.loads(page.split('id="skeleton">')[1].split("</script>")[0].replace("<\\/", "</"))
    assert doc["lazy"] and doc["total"] == 201 and len(doc["rows"]) == 51  # root + its 50 children
    fields = doc["fields"]
    root = dict(zip(fields, doc["rows"][0]))
    assert root["kids"] == 50 and root["err_below"] and root["depth"] == 0 and doc["expanded"] == [root["id"]]
    step = dict(zip(fields, doc["rows"][-1]))
    assert step["kids"] == 3 and step["depth"] == 1 and step["err_below"]  # the last call failed
    children = client.get(f"/traces/{trace_id}/children", params={"parent": root["id"]}).json()
    assert len(children["rows"]) == 7 and children["next"] == 7 and children["kids"] == 50
    more = client.get(f"/traces/{trace_id}/children", params={"parent": root["id"], "offset": 49}).json()
    assert len(more["rows"]) == 1 and more["next"] == 50
    found = client.get(f"/traces/{trace_id}/search", params={"q": "CALL 200"}).json()
    assert [r[2] for r in found["rows"]] == ["root", "step 49 call 197", "step 49 call 200"]
    assert [r[-1] for r in found["rows"]] == [0, 1, 2]
    deep = client.get(f"/traces/{trace_id}", params={"span": f"{trace_id}-s200"}).text
    deep_doc = json.loads(deep.split('id="skeleton">')[1].split("</script>")[0].replace("<\\/", "</"))
    assert f"{trace_id}-s200" in [r[0] for r in deep_doc["rows"]] and f"{trace_id}-s197" in deep_doc["expanded"]
    assert '"input"' not in page.split('id="skeleton"')[1]
    ingest(client, "big", spans=[span(trace_id, "late-1", parent_span_id=f"{trace_id}-s1", name="late")])
    kids = client.get(f"/traces/{trace_id}/children", params={"parent": f"{trace_id}-s1"}).json()
    assert kids["kids"] == 4 and "late" in [r[2] for r in kids["rows"]]  # the cached shape was rebuilt
