"""GET /api/v1/calibration: agreement between automatic judges and people on the same targets."""

from __future__ import annotations

import pytest

from spyglass.evals.stats import pearson, spearman
from tests.server.factory import ingest, new_id, trace


def scores(client, records):
    response = client.post("/api/v1/scores", json=[{"target": "trace", "project": "app", **r} for r in records])
    assert response.status_code == 200, response.text


def report(client, **params):
    response = client.get("/api/v1/calibration", params={"project": "app", **params})
    assert response.status_code == 200, response.text
    return {f["name"]: f for f in response.json()["feedback"]}


@pytest.fixture
def traces(client):
    made = [trace() for _ in range(12)]
    ingest(client, project="app", traces=made)
    return [t["id"] for t in made]


def test_kappa_on_values_and_who_counts_as_human_or_judge(client, traces):
    human = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    judge = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    people = [{"source": "ui"}, {"source": "sdk", "author": "bob"}]  # a UI score, an SDK score with an author
    scores(client, [{"target_id": t, "name": "correct", "value": v, **people[n % 2]}
                    for n, (t, v) in enumerate(zip(traces, human))])
    # (A score's key includes its author: the authorless judges go where the person is "bob".)
    judges = [{"source": "sdk", "author": "judge:gpt-4o-mini"}, {"source": "online_eval"},
              {"source": "sdk", "author": "judge:gpt-4o-mini"}, {"source": "api", "evaluator_trace_id": new_id()}]
    scores(client, [{"target_id": t, "name": "correct", "value": v, **judges[n % 4]}
                    for n, (t, v) in enumerate(zip(traces, judge))])
    # Neither side: an SDK score without an author; one-sided targets and names are not reported.
    scores(client, [{"target_id": traces[10], "name": "correct", "value": 0, "source": "sdk"},
                    {"target_id": traces[10], "name": "correct", "value": 1, "source": "sdk", "author": "judge:x"},
                    {"target_id": traces[11], "name": "correct", "value": 1, "source": "ui", "author": "ann"},
                    {"target_id": traces[1], "name": "only_people", "value": 1, "source": "ui"}])

    got = report(client)
    assert list(got) == ["correct"]
    correct = got["correct"]
    assert (correct["n"], correct["n_values"], correct["kappa_basis"]) == (10, 10, "values")
    assert correct["kappa"] == pytest.approx(0.8) and correct["agreement"] == "substantial"
    assert correct["exact_agreement"] == pytest.approx(0.9) and correct["mean_abs_diff"] == pytest.approx(0.1)
    assert correct["pearson"] == pytest.approx(pearson(human, judge))
    assert correct["humans"] == ["", "bob"]
    assert correct["judges"] == ["", "judge:gpt-4o-mini"] and correct["human_mean"] == 0.5


def test_continuous_values_are_binned_or_cut_at_a_threshold(client, traces):
    human = [0.05, 0.15, 0.22, 0.37, 0.41, 0.58, 0.63, 0.77, 0.86, 0.95]
    judge = [0.11, 0.09, 0.31, 0.33, 0.52, 0.49, 0.71, 0.69, 0.91, 0.88]
    scores(client, [{"target_id": t, "name": "quality", "value": h, "source": "ui", "author": "ann"}
                    for t, h in zip(traces, human)])
    scores(client, [{"target_id": t, "name": "quality", "value": j, "source": "online_eval"}
                    for t, j in zip(traces, judge)])
    quality = report(client)["quality"]
    assert quality["kappa_basis"] == "bins" and quality["kappa"] is not None and quality["kappa"] > 0.4
    assert quality["pearson"] == pytest.approx(pearson(human, judge), abs=1e-6)
    assert quality["spearman"] == pytest.approx(spearman(human, judge), abs=1e-6)
    assert quality["mean_abs_diff"] == pytest.approx(sum(abs(h - j) for h, j in zip(human, judge)) / 10, abs=1e-6)

    cut = report(client, threshold=0.5)["quality"]  # pass/fail: (0.41, 0.52) and (0.58, 0.49) disagree
    assert cut["kappa_basis"] == "threshold" and cut["exact_agreement"] == pytest.approx(0.8)
    weighted = report(client, weights="quadratic")["quality"]
    assert weighted["kappa"] >= quality["kappa"]


def test_labels_are_compared_when_both_sides_give_them(client, traces):
    human = ["pass", "pass", "fail", "fail", "pass", "fail"]
    judge = ["pass", "fail", "fail", "fail", "pass", "fail"]
    scores(client, [{"target_id": t, "name": "verdict", "label": h, "source": "ui", "author": "ann"}
                    for t, h in zip(traces, human)])
    scores(client, [{"target_id": t, "name": "verdict", "label": j, "source": "online_eval"}
                    for t, j in zip(traces, judge)])
    scores(client, [{"target_id": traces[0], "name": "other", "value": 1, "source": "ui", "author": "ann"},
                    {"target_id": traces[0], "name": "other", "value": 1, "source": "online_eval"}])
    verdict = report(client, feedback="verdict")
    assert list(verdict) == ["verdict"]
    got = verdict["verdict"]
    assert got["kappa_basis"] == "labels" and got["n"] == 6 and got["n_values"] == 0
    assert got["kappa"] == pytest.approx(2 / 3) and got["pearson"] is None and got["mean_abs_diff"] is None
    single = report(client, feedback="other")["other"]
    assert single["n"] == 1 and single["pearson"] is None and single["kappa"] is None  # one category only
    assert report(client, feedback="nothing") == {}


def test_unknown_project_and_bad_parameters(client):
    assert client.get("/api/v1/calibration", params={"project": "nope"}).status_code == 404
    assert client.get("/api/v1/calibration").status_code == 422
    assert client.get("/api/v1/calibration", params={"project": "nope", "weights": "cubic"}).status_code == 422

