"""Datasets, experiments and prompts on the Opik wire: streams, versions, pages, bulk runs, labels."""

from __future__ import annotations

import json
import uuid

API = "/opik/api/v1/private"


def _items(texts: list[str]) -> list[dict[str, object]]:
    return [{"id": str(uuid.uuid4()), "source": "sdk", "data": {"input": text}} for text in texts]


def _dataset(client, name: str = "wire-ds") -> str:
    assert client.post(f"{API}/datasets/retrieve", json={"dataset_name": name}).status_code == 404
    assert client.post(f"{API}/datasets", json={"name": name, "project_name": "wire"}).status_code == 201
    return str(client.post(f"{API}/datasets/retrieve", json={"dataset_name": name}).json()["id"])


def _lines(response) -> list[dict]:
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-ndjson"
    return [json.loads(line) for line in response.text.splitlines()]


def test_dataset_stream_pages_versions_and_item_pages(client):
    dataset_id = _dataset(client)
    first, second = _items(["a", "b", "c"]), _items(["d", "e"])
    for batch in (first, second):
        body = {"dataset_name": "wire-ds", "items": batch, "batch_group_id": str(uuid.uuid4())}
        assert client.put(f"{API}/datasets/items", json=body).status_code == 204
    streamed: list[str] = []
    last = None
    while True:
        page = _lines(client.post(f"{API}/datasets/items/stream",
                                  json={"dataset_name": "wire-ds", "steam_limit": 2, "last_retrieved_id": last}))
        streamed += [item["data"]["input"] for item in page]
        if len(page) < 2:
            break
        last = page[-1]["id"]
    assert streamed == ["a", "b", "c", "d", "e"]
    old = _lines(client.post(f"{API}/datasets/items/stream", json={"dataset_name": "wire-ds", "dataset_version": "v1"}))
    assert [item["data"]["input"] for item in old] == ["a", "b", "c"]

    versions = client.get(f"{API}/datasets/{dataset_id}/versions", params={"page": 1, "size": 1}).json()
    assert versions["total"] == 2 and versions["content"][0]["version_hash"] == "v2"
    assert versions["content"][0]["is_latest"] and versions["content"][0]["items_total"] == 5
    page = client.get(f"{API}/datasets/{dataset_id}/items", params={"page": 2, "size": 2, "version": "v2"}).json()
    assert (page["total"], [i["data"]["input"] for i in page["content"]]) == (5, ["c", "d"])
    assert page["content"][0]["source"] == "sdk" and page["content"][0]["dataset_id"] == dataset_id
    dataset = client.get(f"{API}/datasets/{dataset_id}").json()
    assert dataset["dataset_items_count"] == 5 and dataset["latest_version"]["version_name"] == "v2"
    assert client.get(f"{API}/datasets/{dataset_id}/items", params={"version": "v9"}).status_code == 404


def test_experiment_bulk_items_and_streams(client):
    _dataset(client, "bulk-ds")
    items = _items(["x", "y"])
    assert client.put(f"{API}/datasets/items", json={"dataset_name": "bulk-ds", "items": items}).status_code == 204
    trace_id = str(uuid.uuid4())
    body = {"experiment_name": "bulk-exp", "dataset_name": "bulk-ds", "project_name": "wire", "items": [
        {"dataset_item_id": items[0]["id"], "trace": {"id": trace_id, "name": "run", "input": {"q": "x"},
                                                      "output": {"a": "X"}, "start_time": "2026-11-23T08:00:00Z"},
         "spans": [{"id": str(uuid.uuid4()), "name": "llm", "type": "llm", "start_time": "2026-11-23T08:00:00Z",
                    "usage": {"prompt_tokens": 3, "completion_tokens": 1}}],
         "feedback_scores": [{"name": "correct", "value": 1, "source": "sdk"}]},
        {"dataset_item_id": items[1]["id"], "evaluate_task_result": {"a": "Y?"}}]}
    assert client.put(f"{API}/experiments/items/bulk", json=body).status_code == 204
    [experiment] = _lines(client.post(f"{API}/experiments/stream", json={"name": "bulk-exp"}))
    assert experiment["dataset_name"] == "bulk-ds" and experiment["dataset_item_count"] == 2
    assert experiment["feedback_scores"] == [{"name": "correct", "value": 1.0}]
    runs = _lines(client.post(f"{API}/experiments/items/stream", json={"experiment_name": "bulk-exp"}))
    assert [(r["dataset_item_id"], r["output"]) for r in runs] == [(items[0]["id"], {"a": "X"}),
                                                                   (items[1]["id"], {"a": "Y?"})]
    trace = client.get(f"/api/v1/traces/{trace_id}").json()
    assert trace["trace"]["project"] == "wire" and trace["spans"][0]["type"] == "llm"
    update = {"status": "cancelled", "tags_to_add": ["t"], "experiment_scores": [{"name": "f1", "value": 0.5}]}
    assert client.patch(f"{API}/experiments/{experiment['id']}", json=update).status_code == 204
    native = client.get(f"/api/v1/experiments/{experiment['id']}").json()
    assert (native["status"], native["tags"], native["experiment_scores"]) == (
        "cancelled", ["t"], [{"name": "f1", "value": 0.5}])
    assert client.post(f"{API}/experiments/delete", json={"ids": [experiment["id"]]}).status_code == 204
    assert client.get(f"{API}/experiments/{experiment['id']}").status_code == 404


def test_prompt_versions_and_environments(client):
    retrieve = {"name": "wire-prompt", "commit": None, "environment": None, "version_number": None}
    assert client.post(f"{API}/prompts/versions/retrieve", json=retrieve).status_code == 404
    for template in ("one {{x}}", "two {{x}}"):
        body = {"name": "wire-prompt", "version": {"template": template, "type": "mustache"},
                "template_structure": "text", "project_name": "wire"}
        created = client.post(f"{API}/prompts/versions", json=body)
        assert created.status_code == 200 and created.json()["template"] == template
    latest = client.post(f"{API}/prompts/versions/retrieve", json=retrieve).json()
    assert (latest["version_number"], latest["variables"]) == ("v2", ["x"])
    v1 = client.post(f"{API}/prompts/versions/retrieve", json={**retrieve, "version_number": "v1"}).json()
    assert client.patch(f"{API}/prompts/versions/{v1['id']}/environments",
                        json={"environments": ["staging"]}).status_code == 204
    assert client.post(f"{API}/prompts/versions/retrieve", json={**retrieve, "environment": "staging"}
                       ).json()["commit"] == v1["commit"]
    assert client.get("/api/v1/prompts/wire-prompt").json()["labels"] == {"staging": 1}
    assert client.post(f"{API}/projects/retrieve", json={"name": "wire"}).status_code == 200
    history = client.get(f"{API}/prompts/{latest['prompt_id']}/versions", params={"page": 1, "size": 10}).json()
    assert [v["version_number"] for v in history["content"]] == ["v2", "v1"]
    assert history["content"][1]["environments"] == ["staging"]
