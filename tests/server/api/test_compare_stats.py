"""GET /api/v1/experiments/compare/stats: bootstrap confidence intervals of score changes, and a
regression flag only when the drop is significant (a real drop versus noise)."""

from __future__ import annotations

import random

import pytest

from tests.server.factory import ingest, trace

N = 30


def post(client, path, body, status=200):
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def items(client):
    post(client, "/api/v1/datasets", {"name": "bench"}, 201)
    return post(client, "/api/v1/datasets/bench/items", {"items": [{"input": f"q{i}"} for i in range(N)]})["ids"]


def experiment(client, items, name, scores, metadata=None):
    """An experiment whose run of item i is scored scores[metric][i]."""
    created = post(client, "/api/v1/experiments", {"dataset": "bench", "name": name, "project": "bench",
                                                   "metadata": metadata or {}}, 201)
    traces = [trace(offset_s=n) for n in range(len(items))]
    ingest(client, project="bench", traces=traces)
    post(client, "/api/v1/scores", [{"target": "trace", "target_id": t["id"], "name": metric, "value": values[n],
                                     "project": "bench"}
                                    for metric, values in scores.items() for n, t in enumerate(traces)
                                    if values[n] is not None])
    post(client, f"/api/v1/experiments/{created['id']}/items",
         {"items": [{"dataset_item_id": i, "trace_id": t["id"]} for i, t in zip(items, traces)]})
    return created["id"]


def shifted(values, shift, noise, seed):
    rng = random.Random(seed)
    return [v + shift + rng.uniform(-noise, noise) for v in values]


def stats(client, **params):
    response = client.get("/api/v1/experiments/compare/stats", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_real_drop_is_flagged_and_noise_is_not(client, items):
    rng = random.Random(11)
    difficulty = [rng.uniform(0.2, 0.8) for _ in range(N)]
    halluc = [rng.uniform(0.0, 0.3) for _ in range(N)]
    directions = {"metrics": {"hallucination": {"higher_is_better": False}}}
    base = experiment(client, items, "base", {"accuracy": difficulty, "hallucination": halluc}, directions)
    noisy = experiment(client, items, "noisy", {"accuracy": shifted(difficulty, 0, 0.05, 1),
                                                "hallucination": shifted(halluc, 0, 0.02, 2)})
    worse = experiment(client, items, "worse", {"accuracy": shifted(difficulty, -0.1, 0.05, 3),
                                                "hallucination": shifted(halluc, 0.1, 0.02, 4)})

    got = stats(client, ids=f"{base},{noisy},{worse}")
    assert got["baseline"] == {"id": base, "name": "base"} and got["confidence"] == 0.95
    by_exp = {e["name"]: {m["metric"]: m for m in e["metrics"]} for e in got["experiments"]}
    assert set(by_exp) == {"noisy", "worse"}
    for metric in ("accuracy", "hallucination"):
        calm = by_exp["noisy"][metric]
        assert calm["n"] == N and calm["low"] < 0 < calm["high"]
        assert calm["significant"] is False and calm["significant_regression"] is False
    drop = by_exp["worse"]["accuracy"]
    assert drop["delta"] == pytest.approx(-0.1, abs=0.03) and drop["high"] < 0
    assert drop["significant_regression"] is True and drop["higher_is_better"] is True
    rise = by_exp["worse"]["hallucination"]  # up is bad for hallucination (from the baseline's metadata)
    assert rise["delta"] > 0 and rise["higher_is_better"] is False and rise["significant_regression"] is True
    assert sorted((r["experiment_id"], r["metric"]) for r in got["significant_regressions"]) == sorted(
        [(worse, "accuracy"), (worse, "hallucination")])

    # The query says which metrics are lower-is-better; the same rise of accuracy-as-error is flagged.
    flipped = stats(client, ids=f"{worse},{base}", lower_is_better="accuracy")
    (against,) = flipped["experiments"]
    accuracy = next(m for m in against["metrics"] if m["metric"] == "accuracy")
    assert accuracy["delta"] > 0 and accuracy["significant_regression"] is True


def test_few_items_and_unpaired_metrics_are_never_significant(client, items):
    base = experiment(client, items, "base", {"accuracy": [1.0] * N})
    few = [0.0] * 3 + [None] * (N - 3)
    cand = experiment(client, items, "cand", {"accuracy": few, "fresh": [0.5] * N})
    got = stats(client, ids=f"{cand},{base}", baseline=base)
    metrics = {m["metric"]: m for m in got["experiments"][0]["metrics"]}
    assert metrics["accuracy"]["n"] == 3 and metrics["accuracy"]["delta"] == -1.0
    assert metrics["accuracy"]["significant_regression"] is False  # 3 items < min_items
    assert metrics["fresh"]["n"] == 0 and metrics["fresh"]["delta"] is None
    strict = stats(client, ids=f"{base},{cand}", min_items=2)
    assert strict["significant_regressions"] == [{"experiment_id": cand, "metric": "accuracy"}]


def test_bad_requests(client, items):
    base = experiment(client, items, "base", {"accuracy": [1.0] * N})
    assert client.get("/api/v1/experiments/compare/stats", params={"ids": ""}).status_code == 400
    missing = client.get("/api/v1/experiments/compare/stats", params={"ids": f"{base},nope"})
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    assert client.get("/api/v1/experiments/compare/stats", params={"ids": base, "confidence": 2}).status_code == 422
    alone = stats(client, ids=base)
    assert alone["experiments"] == [] and alone["significant_regressions"] == []
