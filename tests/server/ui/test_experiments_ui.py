"""Experiments in the UI: the list, one experiment, and the comparison (deltas against a switchable
baseline, "only items whose score dropped", paging of a 1,000-item comparison), over HTTP and in
a real browser."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.server.factory import ingest, trace
from tests.server.ui.conftest import shot

# Per item: the baseline scores 0.5 everywhere; the candidate drops item 0, improves item 1.
BASELINE_SCORES = [0.5, 0.5, 0.5, 0.5]
CANDIDATE_SCORES = [0.0, 1.0, 0.5, 0.5]


def seed_comparison(http: Any, scores: dict[str, list[float]] | None = None, dataset: str = "qa",
                    project: str = "evals") -> dict[str, Any]:
    """A dataset and one experiment per entry of `scores` (name -> accuracy per item), each item run
    traced and scored, through the REST API. Returns {dataset, items, experiments: {name: {id, traces}}}."""
    scores = scores or {"baseline-run": BASELINE_SCORES, "candidate-run": CANDIDATE_SCORES}
    n = len(next(iter(scores.values())))
    made = http.post("/api/v1/datasets", json={"name": dataset})
    assert made.status_code == 201, made.text
    items = [{"input": {"question": f"question {i}"}, "expected_output": f"answer {i}"} for i in range(n)]
    inserted = http.post(f"/api/v1/datasets/{dataset}/items", json={"items": items})
    assert inserted.status_code == 200, inserted.text
    item_ids = inserted.json()["ids"]
    runs: dict[str, Any] = {}
    for name, values in scores.items():
        exp = http.post("/api/v1/experiments", json={"dataset": dataset, "name": name, "project": project}).json()
        traces = [trace(name=name, offset_s=i, output={"answer": f"{name} says {i}"}) for i in range(n)]
        feedback = [{"target": "trace", "target_id": t["id"], "name": "accuracy", "value": v, "source": "sdk"}
                    for t, v in zip(traces, values, strict=True)]
        ingest(http, project, traces=traces, scores=feedback)
        links = [{"dataset_item_id": item_ids[i], "trace_id": traces[i]["id"]} for i in range(n)]
        added = http.post(f"/api/v1/experiments/{exp['id']}/items", json={"items": links})
        assert added.status_code == 200, added.text
        runs[name] = {"id": exp["id"], "traces": [t["id"] for t in traces]}
    return {"dataset": made.json(), "items": item_ids, "experiments": runs}


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr class="cmp-row[^"]*"[^>]*>.*?</tr>', html, flags=re.S)


def test_compare_shows_runs_deltas_and_regressions(client):
    seeded = seed_comparison(client)
    base, cand = (seeded["experiments"][k]["id"] for k in ("baseline-run", "candidate-run"))
    page = client.get("/experiments/compare", params={"ids": f"{base},{cand}"})
    assert page.status_code == 200
    rows = _rows(page.text)
    assert len(rows) == 4
    assert "question 0" in rows[0] and "answer 0" in rows[0] and "candidate-run says 0" in rows[0]
    assert "regressed" in rows[0] and 'class="delta down">−0.5' in rows[0]
    assert "regressed" not in rows[1] and 'class="delta up">+0.5' in rows[1]
    trace_id = seeded["experiments"]["candidate-run"]["traces"][0]
    assert f'href="/traces/{trace_id}"' in rows[0]  # each output opens its trace
    assert "1 with a lower score than the baseline" in page.text
    stats = re.search(r'hx-get="(/ui/experiments/compare/stats\?[^"]+)"', page.text)
    assert stats is not None  # significance per metric loads after the page
    assert client.get(stats.group(1).replace("&amp;", "&")).status_code == 200
    # summary: means 0.5 and 0.5 -> no delta; a row for cost and duration too
    summary = page.text.split('<table class="grid summary">')[1].split("</table>")[0]
    assert "accuracy" in summary and "0.5" in summary and "Mean duration" in summary

    only = client.get("/experiments/compare", params={"ids": f"{base},{cand}", "only": "regressions"})
    assert [("question 0" in r) for r in _rows(only.text)] == [True]
    assert 'name="only" value="regressions" checked' in only.text

    # the candidate as baseline: item 1 dropped (1.0 -> 0.5), item 0 improved
    flipped = client.get("/experiments/compare", params={"ids": f"{base},{cand}", "baseline": cand,
                                                         "only": "regressions"})
    rows = _rows(flipped.text)
    assert len(rows) == 1 and "question 1" in rows[0]
    assert f'<option value="{cand}" selected>' in flipped.text


def test_checkbox_form_ids_one_experiment_and_errors(client):
    seeded = seed_comparison(client)
    base, cand = (seeded["experiments"][k]["id"] for k in ("baseline-run", "candidate-run"))
    page = client.get(f"/experiments/compare?ids={base}&ids={cand}")  # what the list's checkboxes send
    assert page.status_code == 200 and len(_rows(page.text)) == 4

    one = client.get(f"/experiments/{cand}")
    assert one.status_code == 200
    assert "candidate-run" in one.text and f'href="/datasets/{seeded["dataset"]["id"]}"' in one.text
    assert len(_rows(one.text)) == 4 and "regressed" not in one.text  # no baseline, no deltas

    assert client.get("/experiments/compare").status_code == 400
    missing = client.get("/experiments/compare", params={"ids": f"{base},nope"})
    assert missing.status_code == 404 and "nope" in missing.text and "<html" in missing.text
    assert client.get("/experiments/nope").status_code == 404


def test_experiment_lists(client):
    seeded = seed_comparison(client)
    listing = client.get("/experiments")
    assert listing.status_code == 200
    for name, run in seeded["experiments"].items():
        assert name in listing.text and f'value="{run["id"]}"' in listing.text
    assert "accuracy: 0.5" in listing.text and 'action="/experiments/compare"' in listing.text
    assert client.get("/experiments", params={"q": "candid"}).text.count('class="pick-exp"') == 1

    dataset = client.get(f"/datasets/{seeded['dataset']['id']}")
    experiments = dataset.text.split('class="grid nav-rows experiments"')[1].split("</table>")[0]
    assert "<th class=\"num\">accuracy</th>" in experiments  # one column per metric
    assert experiments.count('class="pick-exp"') == 2 and "compare-btn" in dataset.text


def test_a_1000_item_comparison_is_paged_and_fast(client):
    n = 1000
    seeded = seed_comparison(client, {"a": [0.5] * n, "b": [0.0 if i % 10 == 0 else 0.5 for i in range(n)]})
    ids = ",".join(run["id"] for run in seeded["experiments"].values())
    client.get("/experiments/compare", params={"ids": ids})  # templates compiled, caches warm
    started = time.perf_counter()
    page = client.get("/experiments/compare", params={"ids": ids})
    elapsed = time.perf_counter() - started
    assert page.status_code == 200 and len(_rows(page.text)) == 100
    assert elapsed < 2.5, f"a 1,000-item comparison took {elapsed:.2f} s (about 0.5 s on an idle 2-core machine)"
    assert "1,000 items" in page.text and "100 with a lower score" in page.text
    more = re.search(r'hx-get="(/experiments/compare\?[^"]+offset=100)"', page.text)
    assert more is not None
    rest = client.get(more.group(1).replace("&amp;", "&"))
    assert len(_rows(rest.text)) == 100 and "<html" not in rest.text and "offset=200" in rest.text
    only = client.get("/experiments/compare", params={"ids": ids, "only": "regressions"})
    assert len(_rows(only.text)) == 100 and "offset=" not in only.text  # exactly the 100 regressions


def test_compare_two_experiments_in_the_browser(server, page):
    with httpx.Client(base_url=server, timeout=60) as http:
        seeded = seed_comparison(http)
    page.goto(f"{server}/datasets/{seeded['dataset']['id']}")
    compare = page.locator(".experiments-panel .compare-btn")
    expect(compare).to_be_disabled()
    for run in seeded["experiments"].values():
        page.locator(f".experiments-panel input[value='{run['id']}']").check()
    expect(compare).to_be_enabled()
    compare.click()
    page.wait_for_url(re.compile(r"/experiments/compare\?ids="))
    rows = page.locator("table.compare tr.cmp-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_class(re.compile("regressed"))
    expect(rows.nth(0).locator(".delta.down")).to_have_text("−0.5")
    expect(rows.nth(1).locator(".delta.up")).to_have_text("+0.5")
    expect(page.locator(".compare-stats table.summary")).to_contain_text("accuracy")
    shot(page, "experiments-compare")

    page.get_by_label("Only items whose score dropped").check()
    page.wait_for_url(re.compile(r"only=regressions"))
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("question 0")
    shot(page, "experiments-compare-regressions")

    cand = seeded["experiments"]["candidate-run"]["id"]
    page.select_option("select[name=baseline]", cand)
    page.wait_for_url(re.compile(f"baseline={cand}"))
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("question 1")
    rows.nth(0).locator("td.run a").first.click()  # the baseline's output opens its trace
    page.wait_for_url(re.compile(r"/traces/"))
    expect(page.locator(".trace-head h1")).to_contain_text("baseline-run")
