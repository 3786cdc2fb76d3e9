"""Datasets over HTTP: versions, deduplication, upsert by id, items from traces, bad input."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyglass.server.store import dataset_items, datasets, tables
from spyglass.server.store.engine import make_engine
from tests.server.factory import ingest, span, trace


def make_dataset(client, name="qa", **fields):
    response = client.post("/api/v1/datasets", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def insert(client, dataset, items):
    response = client.post(f"/api/v1/datasets/{dataset}/items", json={"items": items})
    assert response.status_code == 200, response.text
    return response.json()


def items_at(client, dataset, version=None):
    params = {} if version is None else {"version": version}
    response = client.get(f"/api/v1/datasets/{dataset}/items", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_migrated_schema_matches_tables(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    engine.dispose()
    # The text-search structures are made outside tables.py (store/search.py).
    assert [d for d in diff if "search_" not in str(d) and "trgm" not in str(d)] == []


def test_concurrent_inserts_get_one_version_each(db_url):
    """The dataset lock serialises changes: no two share a version, no item is lost."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        datasets.create_dataset(conn, "busy")

    def add(worker: int) -> int:
        with engine.begin() as conn:
            items = [{"input": f"{worker}-{n}"} for n in range(5)]
            return int(dataset_items.insert_items(conn, "busy", items)["version"])

    with ThreadPoolExecutor(4) as pool:
        versions = sorted(pool.map(add, range(8)))
    with engine.connect() as conn:
        dataset = datasets.get_dataset(conn, "busy")
    engine.dispose()
    assert versions == list(range(1, 9))
    assert (dataset["version"], dataset["item_count"]) == (8, 40)


def test_create_get_list_rename_delete(client):
    made = make_dataset(client, "qa", description="questions", project="demo", tags=["gold"])
    assert made["version"] == 0 and made["item_count"] == 0 and made["project"] == "demo"
    assert client.post("/api/v1/datasets", json={"name": "qa"}).status_code == 409
    assert client.get(f"/api/v1/datasets/{made['id']}").json()["name"] == "qa"
    make_dataset(client, "other")
    listed = client.get("/api/v1/datasets", params={"limit": 1}).json()
    assert [d["name"] for d in listed["items"]] == ["other"]
    second = client.get("/api/v1/datasets", params={"limit": 1, "cursor": listed["next_cursor"]}).json()
    assert [d["name"] for d in second["items"]] == ["qa"] and second["next_cursor"] is None
    assert [d["name"] for d in client.get("/api/v1/datasets", params={"name_contains": "Q"}).json()["items"]] == ["qa"]
    renamed = client.patch("/api/v1/datasets/qa", json={"name": "qa2", "tags": ["x"]})
    assert renamed.status_code == 200 and renamed.json()["tags"] == ["x"]
    assert client.patch("/api/v1/datasets/qa2", json={"name": "other"}).status_code == 409
    assert client.get("/api/v1/datasets/qa").status_code == 404
    assert client.delete("/api/v1/datasets/qa2").status_code == 204
    assert client.get(f"/api/v1/datasets/{made['id']}").status_code == 404


def test_versions_duplicates_updates_and_deletes(client):
    make_dataset(client)
    first = insert(client, "qa", [{"input": {"q": n}, "expected_output": n} for n in ("a", "b", "c")])
    assert first == {"inserted": 3, "updated": 0, "skipped_duplicates": 0, "version": 1, "ids": first["ids"]}
    a, b, c = first["ids"]
    second = insert(client, "qa", [{"input": {"q": "a"}, "expected_output": "a"}, {"input": {"q": "d"}},
                                   {"input": {"q": "d"}}])
    assert (second["inserted"], second["skipped_duplicates"], second["version"]) == (1, 2, 2)
    assert second["ids"][0] == a and second["ids"][1] == second["ids"][2]
    again = insert(client, "qa", [{"input": {"q": "a"}, "expected_output": "a"}])
    assert (again["inserted"], again["skipped_duplicates"], again["version"]) == (0, 1, 2)

    patched = client.patch(f"/api/v1/datasets/qa/items/{b}", json={"expected_output": "B"})
    assert patched.status_code == 200
    assert patched.json()["input"] == {"q": "b"} and patched.json()["expected_output"] == "B"
    deleted = client.post("/api/v1/datasets/qa/items/delete", json={"ids": [c, "not-there"]}).json()
    assert deleted == {"deleted": 1, "version": 4}

    now = items_at(client, "qa")
    assert now["version"] == 4 and sorted(i["expected_output"] or "" for i in now["items"]) == ["", "B", "a"]
    at_one = items_at(client, "qa", 1)
    assert {i["id"]: i["expected_output"] for i in at_one["items"]} == {a: "a", b: "b", c: "c"}
    assert c in {i["id"] for i in items_at(client, "qa", 3)["items"]}
    versions = client.get("/api/v1/datasets/qa/versions").json()["items"]
    assert [(v["version"], v["change"], v["item_count"]) for v in versions] == [
        (4, "delete 1 item", 3), (3, "update 1 item", 4), (2, "insert 1 item", 4), (1, "insert 3 items", 3)]
    dataset = client.get("/api/v1/datasets/qa").json()
    assert (dataset["version"], dataset["item_count"]) == (4, 3)
    assert client.get("/api/v1/datasets/qa/items", params={"version": 9}).status_code == 404


def test_upsert_by_id_and_extra_keys(client):
    make_dataset(client)
    first = insert(client, "qa", [{"id": "item-1", "input": "hi", "context": ["doc"]},
                                  {"data": {"input": "yo", "expected_output": "yo!"}, "metadata": {"k": 1}}])
    assert first["ids"][0] == "item-1"
    stored = {i["id"]: i for i in items_at(client, "qa")["items"]}
    assert stored["item-1"]["data"] == {"input": "hi", "context": ["doc"]}
    assert stored[first["ids"][1]]["data"] == {"input": "yo", "expected_output": "yo!", "metadata": {"k": 1}}
    upsert = insert(client, "qa", [{"id": "item-1", "input": "hello"}])
    assert (upsert["inserted"], upsert["updated"], upsert["version"], upsert["ids"]) == (0, 1, 2, ["item-1"])
    same = insert(client, "qa", [{"id": "item-1", "input": "hello"}])
    assert (same["updated"], same["skipped_duplicates"], same["version"]) == (0, 1, 2)
    now = {i["id"]: i["input"] for i in items_at(client, "qa")["items"]}
    assert now == {"item-1": "hello", first["ids"][1]: "yo"}
    assert {i["id"]: i["input"] for i in items_at(client, "qa", 1)["items"]}["item-1"] == "hi"
    no_change = client.patch("/api/v1/datasets/qa/items/item-1", json={"input": "hello"})
    assert no_change.status_code == 200 and client.get("/api/v1/datasets/qa").json()["version"] == 2


def test_items_from_traces_and_spans(client):
    make_dataset(client)
    t1 = trace(input={"question": "refunds?"}, output=json.dumps({"answer": "30 days"}))
    s1 = span(t1["id"], input="search refunds", output=["doc-1"])
    ingest(client, traces=[t1], spans=[s1])
    made = client.post("/api/v1/datasets/qa/items/from-traces", json={"trace_ids": [t1["id"]]}).json()
    assert (made["inserted"], made["version"]) == (1, 1)
    item = items_at(client, "qa")["items"][0]
    assert item["input"] == {"question": "refunds?"} and item["expected_output"] == {"answer": "30 days"}
    assert item["metadata"] == {"source_trace_id": t1["id"]}
    assert (item["source"], item["trace_id"]) == ("trace", t1["id"])
    repeat = client.post("/api/v1/datasets/qa/items/from-traces", json={"trace_ids": [t1["id"]]}).json()
    assert (repeat["skipped_duplicates"], repeat["version"]) == (1, 1)
    from_span = client.post("/api/v1/datasets/qa/items/from-traces", json={"span_ids": [s1["id"]]}).json()
    spanned = {i["id"]: i for i in items_at(client, "qa")["items"]}[from_span["ids"][0]]
    assert spanned["metadata"] == {"source_trace_id": t1["id"], "source_span_id": s1["id"]}
    assert (spanned["input"], spanned["expected_output"], spanned["span_id"]) == ("search refunds", ["doc-1"], s1["id"])
    missing = client.post("/api/v1/datasets/qa/items/from-traces", json={"trace_ids": [t1["id"], "nope"]})
    assert missing.status_code == 404 and missing.json()["error"].startswith("trace_ids")
    both = client.post("/api/v1/datasets/qa/items/from-traces", json={"trace_ids": ["a"], "span_ids": ["b"]})
    assert both.status_code == 422


def test_items_page_in_insertion_order(client):
    make_dataset(client)
    ids = insert(client, "qa", [{"input": n} for n in range(25)])["ids"]
    seen, cursor = [], None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/datasets/qa/items", params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


def test_bad_input_names_the_field(client):
    make_dataset(client)
    cases = [
        ({"items": [{"data": [1, 2]}]}, "items.0.data"),
        ({"items": [{"input": 1, "source": "telepathy"}]}, "items.0.source"),
        ({"items": []}, "items"),
        ({"items": [{"id": "has spaces", "input": 1}]}, "items.0.id"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/datasets/qa/items", json=body)
        assert response.status_code == 422 and response.json()["error"].startswith(field), (body, response.text)
    assert client.post("/api/v1/datasets", json={"name": "  "}).status_code == 422
    assert client.get("/api/v1/datasets/qa/items", params={"limit": 0}).json()["error"].startswith("limit")
    assert client.get("/api/v1/datasets/qa/items", params={"cursor": "zz!"}).json()["error"].startswith("cursor")
    assert client.get("/api/v1/datasets", params={"cursor": "eyJ4IjoxfQ"}).status_code == 400
    assert client.post("/api/v1/datasets/nope/items", json={"items": [{"input": 1}]}).status_code == 404
    assert client.patch("/api/v1/datasets/qa/items/nope", json={"input": 1}).status_code == 404
    assert client.get("/api/v1/datasets/nope/versions").status_code == 404


def test_values_the_databases_cannot_store_are_refused_or_normalised(client):
    make_dataset(client)

    def post_raw(text):
        return client.post("/api/v1/datasets/qa/items", content=text, headers={"content-type": "application/json"})

    nul = post_raw('{"items": [{"input": {"q": "a\\u0000b"}}]}')
    assert nul.status_code == 400 and nul.json()["error"].startswith("items.0.input.q")
    huge = post_raw('{"items": [{"input": 123456789012345678901234567890}]}')
    assert huge.status_code == 422 and huge.json()["error"].startswith("items.0.input")
    assert post_raw('{"items": [{"input": NaN}]}').status_code == 200
    assert items_at(client, "qa")["items"][0]["data"] == {"input": None}
    assert client.get("/api/v1/datasets/a%00b").json()["error"].startswith("dataset")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)
ITEM_KEYS = ["id", "input", "expected_output", "metadata", "data", "source", "trace_id", "span_id", "tags", "extra"]
BODY_KEYS = ["name", "template", "template_structure", "type", "metadata", "labels", "dataset", "dataset_version",
             "items", "ids", "trace_ids", "span_ids", "status", "scores", "label", "version"]
items = st.lists(st.dictionaries(st.sampled_from(ITEM_KEYS), json_values, max_size=5), max_size=3)
bodies = st.dictionaries(st.sampled_from(BODY_KEYS), json_values | items, max_size=5)
WRITES = ["/api/v1/datasets", "/api/v1/datasets/qa/items", "/api/v1/datasets/qa/items/from-traces",
          "/api/v1/datasets/qa/items/delete", "/api/v1/experiments", "/api/v1/prompts", "/api/v1/prompts/p/labels"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, path=st.sampled_from(WRITES), segment=st.text(max_size=8))
def test_random_bodies_and_names_never_500(client, body, path, segment):
    client.post("/api/v1/datasets", json={"name": "qa"})
    client.post("/api/v1/prompts", json={"name": "p", "template": "t"})
    response = client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text
    for read in (f"/api/v1/datasets/{quote(segment, safe='')}/items", f"/api/v1/prompts/{quote(segment, safe='')}",
                 "/api/v1/experiments"):
        response = client.get(read, params={"name_contains": segment, "version": 1})
        assert response.status_code < 500, response.text
