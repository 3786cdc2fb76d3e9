"""The Judges tab (judge calibration) and the comparison's statistics fragment."""

from __future__ import annotations

import re

from tests.server.factory import ingest, trace


def post(client, path, body, status=200):
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_judges_page_reports_agreement_per_feedback_name(client):
    traces = [trace() for _ in range(8)]
    ingest(client, project="app", traces=traces)
    human = [1, 1, 1, 1, 0, 0, 0, 0]
    judge = [1, 1, 1, 1, 0, 0, 0, 0]
    drifting = [0, 1, 0, 1, 1, 0, 1, 0]
    records = []
    for t, h, j, d in zip(traces, human, judge, drifting):
        records += [{"target": "trace", "target_id": t["id"], "name": "correct", "value": h, "source": "ui",
                     "author": "ann"},
                    {"target": "trace", "target_id": t["id"], "name": "correct", "value": j, "source": "online_eval"},
                    {"target": "trace", "target_id": t["id"], "name": "polite", "value": h, "source": "ui",
                     "author": "ann"},
                    {"target": "trace", "target_id": t["id"], "name": "polite", "value": d, "source": "sdk",
                     "author": "judge:gpt-4o-mini"}]
    post(client, "/api/v1/scores", records)

    page = client.get("/projects/app/judges")
    assert page.status_code == 200
    html = page.text
    assert 'href="/projects/app/judges" class="on"' in html  # the project tab
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<td class="name">(\w+)</td>.*?</tr>', html, re.S)}
    assert set(rows) == {"correct", "polite"}
    assert "1.00" in rows["correct"] and "almost perfect" in rows["correct"]
    assert "disagrees with people" in rows["polite"] and "disagrees with people" not in rows["correct"]
    assert "judge:gpt-4o-mini" in rows["polite"] and "(no author)" in rows["correct"]

    cut = client.get("/projects/app/judges", params={"threshold": "0.5", "weights": "linear"})
    assert cut.status_code == 200 and "threshold" in cut.text
    assert client.get("/projects/app/judges", params={"threshold": "half"}).status_code == 400
    assert client.get("/projects/nope/judges").status_code == 404


def test_judges_page_without_pairs_explains_what_is_needed(client):
    ingest(client, project="quiet", traces=[trace()])
    html = client.get("/projects/quiet/judges").text
    assert "No feedback name has both a human and an automatic score" in html


def test_compare_stats_fragment_flags_a_significant_drop(client):
    post(client, "/api/v1/datasets", {"name": "ds"}, 201)
    items = post(client, "/api/v1/datasets/ds/items", {"items": [{"input": i} for i in range(12)]})["ids"]
    ids = []
    for name, values in (("base", [0.9] * 12), ("cand", [0.5 + (i % 3) / 100 for i in range(12)])):
        experiment = post(client, "/api/v1/experiments", {"dataset": "ds", "name": name}, 201)
        traces = [trace() for _ in items]
        ingest(client, project="p", traces=traces)
        post(client, "/api/v1/scores", [{"target": "trace", "target_id": t["id"], "name": "accuracy", "value": v,
                                         "project": "p"} for t, v in zip(traces, values)])
        post(client, f"/api/v1/experiments/{experiment['id']}/items",
             {"items": [{"dataset_item_id": i, "trace_id": t["id"]} for i, t in zip(items, traces)]})
        ids.append(experiment["id"])

    fragment = client.get("/ui/experiments/compare/stats", params={"ids": ",".join(ids), "baseline": ids[0]},
                          headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Significant drop" in fragment.text and "-0.390" in fragment.text and "95% CI" in fragment.text
    assert f'href="/experiments/{ids[1]}"' in fragment.text

    bad = client.get("/ui/experiments/compare/stats", params={"ids": f"{ids[0]},missing"},
                     headers={"HX-Request": "true"})
    assert bad.status_code == 404 and 'class="err"' in bad.text
