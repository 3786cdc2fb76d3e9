"""Experiments over HTTP: aggregates from traces and scores, item joins, comparison, bad input."""

from __future__ import annotations

import re

import pytest

from tests.server.factory import ingest, llm_span, trace


def post(client, path, body, status=200):
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def dataset(client):
    post(client, "/api/v1/datasets", {"name": "qa"}, 201)
    ids = post(client, "/api/v1/datasets/qa/items", {"items": [
        {"input": {"q": q}, "expected_output": q.upper()} for q in ("a", "b", "c")]})["ids"]
    return ids


def run(client, dataset_ids, scores, *, durations=(1, 2, 4), name=None):
    """An experiment with one traced run per dataset item, scored `accuracy`."""
    experiment = post(client, "/api/v1/experiments", {"dataset": "qa", "name": name, "project": "demo",
                                                      "metadata": {"model": "m1"}}, 201)
    traces = [trace(offset_s=n, duration_s=d, output={"answer": n}) for n, d in enumerate(durations)]
    spans = [llm_span(t["id"], cost=0.25, usage={"prompt_tokens": 10, "completion_tokens": 5}) for t in traces]
    ingest(client, traces=traces, spans=spans)
    post(client, "/api/v1/scores", [{"target": "trace", "target_id": t["id"], "name": "accuracy", "value": value,
                                     "reason": f"run {n}"} for n, (t, value) in enumerate(zip(traces, scores))])
    items = [{"dataset_item_id": item_id, "trace_id": t["id"]} for item_id, t in zip(dataset_ids, traces)]
    assert post(client, f"/api/v1/experiments/{experiment['id']}/items", {"items": items}) == {"inserted": 3}
    return experiment, traces


def test_aggregates_from_traces_and_scores(client, dataset):
    experiment, traces = run(client, dataset, [1.0, 0.5, 0.0])
    assert re.fullmatch(r"qa-\d{8}-\d{6}", experiment["name"]) and experiment["status"] == "running"
    post(client, f"/api/v1/experiments/{experiment['id']}/items",
         {"items": [{"id": "extra-run", "dataset_item_id": dataset[0], "output": {"answer": "no trace"}}]})
    got = client.get(f"/api/v1/experiments/{experiment['id']}").json()
    assert (got["item_count"], got["trace_count"], got["project"], got["dataset_name"]) == (4, 3, "demo", "qa")
    assert got["scores"] == {"accuracy": {"mean": 0.5, "count": 3}}
    assert got["cost"] == pytest.approx(0.75) and got["total_tokens"] == 45
    assert got["duration_mean_ms"] == pytest.approx(7000 / 3) and got["duration_p50_ms"] == pytest.approx(2000)
    assert got["dataset_version"] == 1 and got["metadata"] == {"model": "m1"}

    items = client.get(f"/api/v1/experiments/{experiment['id']}/items").json()["items"]
    first = items[0]
    assert first["input"] == {"q": "a"} and first["expected_output"] == "A" and first["output"] == {"answer": 0}
    assert first["scores"] == {"accuracy": {"value": 1.0, "reason": "run 0"}}
    assert first["duration_ms"] == pytest.approx(1000) and first["cost"] == pytest.approx(0.25)
    assert items[3]["output"] == {"answer": "no trace"} and items[3]["trace_id"] is None
    again = post(client, f"/api/v1/experiments/{experiment['id']}/items",
                 {"items": [{"id": "extra-run", "dataset_item_id": dataset[0]}]})
    assert again == {"inserted": 0}


def test_lifecycle_list_and_delete(client, dataset):
    first, _ = run(client, dataset, [1, 1, 1], name="first")
    second = post(client, "/api/v1/experiments", {"dataset": "qa", "name": "second"}, 201)
    listed = client.get("/api/v1/experiments", params={"dataset": "qa"}).json()["items"]
    assert [e["name"] for e in listed] == ["second", "first"]
    assert listed[1]["scores"]["accuracy"]["count"] == 3 and listed[0]["item_count"] == 0
    assert [e["name"] for e in client.get("/api/v1/experiments", params={"name_contains": "FIR"}).json()["items"]] \
        == ["first"]
    finished = post(client, f"/api/v1/experiments/{first['id']}/finish", {})
    assert finished["status"] == "completed" and finished["finished_at"] is not None
    patched = client.patch(f"/api/v1/experiments/{second['id']}",
                           json={"name": "renamed", "scores": [{"name": "overall", "value": 0.9}]}).json()
    assert patched["name"] == "renamed" and patched["experiment_scores"] == [{"name": "overall", "value": 0.9}]
    assert client.patch(f"/api/v1/experiments/{second['id']}", json={"status": "done"}).status_code == 422
    assert client.delete(f"/api/v1/experiments/{second['id']}").status_code == 204
    assert client.get(f"/api/v1/experiments/{second['id']}").status_code == 404
    assert client.delete("/api/v1/datasets/qa").status_code == 204
    assert client.get(f"/api/v1/experiments/{first['id']}").status_code == 404


def test_compare_marks_regressions_against_the_baseline(client, dataset):
    base, _ = run(client, dataset, [1.0, 1.0, 0.0], name="base")
    new, _ = run(client, dataset, [1.0, 0.0, 1.0], name="new")
    response = client.get("/api/v1/experiments/compare", params={"ids": f"{base['id']},{new['id']}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["name"] for e in body["experiments"]] == ["base", "new"] and body["metrics"] == ["accuracy"]
    rows = {r["dataset_item_id"]: r for r in body["rows"]}
    assert [rows[i]["regressed"] for i in dataset] == [False, True, False]
    assert rows[dataset[1]]["deltas"] == {new["id"]: {"accuracy": -1.0}}
    assert rows[dataset[2]]["deltas"][new["id"]]["accuracy"] == 1.0
    assert rows[dataset[1]]["runs"][base["id"]]["scores"] == {"accuracy": 1.0}
    assert rows[dataset[1]]["input"] == {"q": "b"}
    only = client.get("/api/v1/experiments/compare",
                      params={"ids": f"{base['id']},{new['id']}", "only": "regressions"}).json()
    assert [r["dataset_item_id"] for r in only["rows"]] == [dataset[1]]
    flipped = client.get("/api/v1/experiments/compare",
                         params={"ids": f"{base['id']},{new['id']}", "baseline": new["id"]}).json()
    assert [r["dataset_item_id"] for r in flipped["rows"] if r["regressed"]] == [dataset[2]]
    bad = client.get("/api/v1/experiments/compare", params={"ids": base["id"], "baseline": "other"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("baseline")
    assert client.get("/api/v1/experiments/compare", params={"ids": f"{base['id']},nope"}).status_code == 404
    assert client.get("/api/v1/experiments/compare", params={"ids": base["id"], "only": "x"}).status_code == 400


def test_items_show_the_data_of_the_experiments_version(client, dataset):
    experiment = post(client, "/api/v1/experiments", {"dataset": "qa"}, 201)
    client.patch(f"/api/v1/datasets/qa/items/{dataset[0]}", json={"expected_output": "changed"})
    post(client, f"/api/v1/experiments/{experiment['id']}/items", {"items": [{"dataset_item_id": dataset[0]}]})
    item = client.get(f"/api/v1/experiments/{experiment['id']}/items").json()["items"][0]
    assert item["expected_output"] == "A"
    pinned = post(client, "/api/v1/experiments", {"dataset": "qa", "dataset_version": 1}, 201)
    assert pinned["dataset_version"] == 1


def test_bad_input(client, dataset):
    assert client.post("/api/v1/experiments", json={"dataset": "nope"}).status_code == 404
    too_new = client.post("/api/v1/experiments", json={"dataset": "qa", "dataset_version": 5})
    assert too_new.status_code == 400 and too_new.json()["error"].startswith("dataset_version")
    post(client, "/api/v1/experiments", {"dataset": "qa", "id": "exp-1"}, 201)
    assert client.post("/api/v1/experiments", json={"dataset": "qa", "id": "exp-1"}).status_code == 409
    foreign = client.post("/api/v1/experiments/exp-1/items",
                          json={"items": [{"dataset_item_id": dataset[0]}, {"dataset_item_id": "elsewhere"}]})
    assert foreign.status_code == 400 and foreign.json()["error"].startswith("items.1.dataset_item_id")
    missing_field = client.post("/api/v1/experiments/exp-1/items", json={"items": [{"trace_id": "t"}]})
    assert missing_field.status_code == 422 and "items.0.dataset_item_id" in missing_field.json()["error"]
    assert client.post("/api/v1/experiments/nope/items",
                       json={"items": [{"dataset_item_id": dataset[0]}]}).status_code == 404
    assert client.get("/api/v1/experiments/nope/items").status_code == 404
    assert client.post("/api/v1/experiments", json={"dataset": "qa", "colour": "red"}).status_code == 422
    assert client.get("/api/v1/experiments", params={"dataset": "nope"}).status_code == 404
