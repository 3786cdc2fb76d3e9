"""The Judges tab in a real browser: reached from the project tabs, no console errors."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.server.factory import trace
from tests.server.ui.conftest import shot
from tests.server.ui.seed import post


def test_judges_tab_shows_agreement(server, page):
    traces = [trace() for _ in range(6)]
    post(server, {"project": "bot", "traces": traces})
    people, judge = [1, 0, 1, 0, 1, 0], [1, 0, 1, 1, 1, 0]
    scores = [{"target": "trace", "target_id": t["id"], "project": "bot", "name": "correct", "value": h,
               "source": "ui", "author": "ann"} for t, h in zip(traces, people)]
    scores += [{"target": "trace", "target_id": t["id"], "project": "bot", "name": "correct", "value": j,
                "source": "online_eval", "author": "judge:gpt-4o-mini"} for t, j in zip(traces, judge)]
    assert httpx.post(f"{server}/api/v1/scores", json=scores, timeout=30).status_code == 200

    page.goto(f"{server}/projects/bot/traces")
    page.click(".tabs >> text=Judges")
    row = page.locator("table.judges tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("correct")
    expect(row).to_contain_text("judge:gpt-4o-mini")
    kappa = row.locator("td.num").nth(1)
    expect(kappa).to_contain_text("0.67")  # 5 of 6 agree, chance agreement 0.5
    expect(kappa.locator(".small")).to_have_text("values")
    page.fill("input[name=threshold]", "0.5")
    page.click("text=Show")
    expect(kappa.locator(".small")).to_have_text("threshold")
    assert "threshold=0.5" in page.url
    shot(page, "judges")
