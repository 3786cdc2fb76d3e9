"""The UI in a real browser against a real server: every page, filters, the trace view,
annotation, theme, language, a 5,000-span trace and a live trace."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
from playwright.sync_api import expect

from spyglass.server.demo import AGENT_PROJECT, RAG_PROJECT, iso
from tests.server.ui.conftest import shot
from tests.server.ui.seed import big_trace_body, first_id, post, seed_demo

TRACE_OPEN_BUDGET_MS = 1000


def test_lists_filters_and_threads(server, page):
    seed_demo(server)
    page.goto(server + "/")
    expect(page.locator("table.grid tbody tr")).to_have_count(2)
    shot(page, "projects")
    page.click(f"text={RAG_PROJECT}")
    rows = page.locator("table.traces tbody tr:not(.more)")
    expect(rows).to_have_count(50)
    traces_url = page.url
    more = page.locator("tr.more button")
    # "Load more" loads on a click and when scrolled into view. A real click scrolls the button
    # into view first, and the two would race: the click is dispatched where the button is.
    more.dispatch_event("click")
    expect(rows.nth(50)).to_be_visible()
    expect(page).to_have_url(re.compile(r"pages=2"))
    page.goto(traces_url)
    expect(rows).to_have_count(50)
    more.scroll_into_view_if_needed()
    expect(rows.nth(50)).to_be_visible()
    shot(page, "traces")

    page.fill("input[name=filter]", 'status = "error" and duration >')
    page.keyboard.press("Enter")
    expect(page.locator(".filter-error")).to_contain_text("column 32")
    expect(page.locator(".filter-error mark.bad")).to_have_count(1)
    shot(page, "traces-filter-error")
    page.fill("input[name=filter]", 'status = "error"')
    page.keyboard.press("Enter")
    expect(page.locator("table.traces tbody tr .badge.err").first).to_be_visible()
    assert "filter=status" in page.url
    page.select_option("select[name=range]", "7d")
    page.wait_for_url(re.compile(r"range=7d"))
    page.click("th >> text=Duration")
    page.wait_for_url(re.compile(r"sort=-duration"))
    assert "filter=status" in page.url and "range=7d" in page.url  # the whole view state is in the URL

    page.click(".tabs >> text=Spans")
    page.fill("input[name=filter]", 'type = "retriever"')
    page.keyboard.press("Enter")
    expect(page.locator("table.spans tbody tr:not(.more)").first).to_contain_text("vector_search")
    shot(page, "spans")

    page.click(".tabs >> text=Threads")
    expect(page.locator("table.threads tbody tr").first).to_be_visible()
    shot(page, "threads")
    page.locator("table.threads tbody tr a").first.click()
    expect(page.locator(".conversation .turn").first).to_be_visible()
    _annotate(page, "#scores-thread", "resolved", "1")
    shot(page, "thread")


def _annotate(page, scope: str, name: str, value: str) -> None:
    box = page.locator(scope)
    box.locator("details.add summary").click()
    form = box.locator("details.add form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=value]").fill(value)
    form.locator("input[name=reason]").fill("checked by hand")
    form.locator("button[type=submit]").click()
    expect(page.locator(scope).locator(".chip", has_text=f"{name}: {value}")).to_be_visible()


def test_trace_view_annotation_theme_language(server, page):
    seed_demo(server)
    trace_id = first_id(server, "/api/v1/traces", project=RAG_PROJECT, filter='status = "ok"')
    page.goto(f"{server}/traces/{trace_id}")
    expect(page.locator("#tree .row")).to_have_count(5)
    expect(page.locator("#detail .detail[data-kind=trace]")).to_be_visible()
    page.locator("#tree .row", has_text="openai.chat").click()
    expect(page.locator("#detail .msg.role-system")).to_be_visible()
    expect(page.locator("#detail .msg.role-assistant")).to_be_visible()
    assert "span=" in page.url
    shot(page, "trace")
    page.locator("#tree .row", has_text="vector_search").click()
    expect(page.locator("#detail ol.docs li")).to_have_count(4)
    shot(page, "trace-retriever")

    # annotate the span: add, edit, remove
    scope = "#detail .scores"
    _annotate(page, scope, "quality", "0.8")
    page.locator(scope).locator("li", has_text="quality").locator("details.edit summary").click()
    page.locator(scope).locator("li", has_text="quality").locator("input[name=value]").fill("0.3")
    page.locator(scope).locator("li", has_text="quality").locator("details.edit button[type=submit]").click()
    expect(page.locator(scope).locator(".chip", has_text="quality: 0.3")).to_be_visible()
    page.locator(scope).locator("li", has_text="quality").locator("button.danger").click()
    expect(page.locator(scope).locator(".chip", has_text="quality")).to_have_count(0)

    # collapse / expand, keyboard, Esc
    page.locator("#tree .row").first.locator("button.caret").click()
    expect(page.locator("#tree .row")).to_have_count(1)
    page.click("[data-tree=expand]")
    expect(page.locator("#tree .row")).to_have_count(5)
    page.locator("#tree").focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("#tree .row.sel")).to_have_count(1)
    expect(page.locator("#detail .detail[data-kind=span]")).to_contain_text("openai.chat")  # vector_search, j, j
    page.keyboard.press("Escape")
    expect(page.locator("#tree .row.sel")).to_have_count(0)
    expect(page.locator("#detail .hint")).to_be_visible()

    page.click("#theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") in ("dark", "light")
    if page.evaluate("document.documentElement.dataset.theme") != "dark":
        page.click("#theme-toggle")
    page.locator("#tree .row", has_text="openai.chat").click()
    expect(page.locator("#detail .msg.role-user")).to_be_visible()
    shot(page, "trace-dark")

    page.select_option("#lang-select", "zh-CN")
    expect(page.locator(".crumbs")).to_contain_text("项目")
    page.goto(f"{server}/projects/{AGENT_PROJECT}/traces")
    expect(page.locator("table.traces th.col-name")).to_contain_text("名称")
    shot(page, "traces-zh-dark")


def test_big_trace_opens_fast_and_live_trace_refreshes(server, page):
    trace_id, body = big_trace_body(5000)
    post(server, body)
    started = time.perf_counter()
    page.goto(f"{server}/traces/{trace_id}")
    page.wait_for_function("document.body.dataset.treeReady === '5000'")
    wall_ms = (time.perf_counter() - started) * 1000
    ready_ms = page.evaluate("performance.getEntriesByName('spyglass:tree-ready')[0].startTime")
    assert ready_ms < TRACE_OPEN_BUDGET_MS, f"5,000-span trace took {ready_ms:.0f} ms to open (wall {wall_ms:.0f} ms)"
    assert page.locator("#tree .row").count() < 200  # only rows in view are drawn
    page.fill("#span-search", "call 4999")
    expect(page.locator("#tree .row.err")).to_have_count(1)
    shot(page, "trace-5000-spans")

    live_id = "live-trace-1"
    now = datetime.now(UTC)
    post(server, {"project": "live", "traces": [{"id": live_id, "name": "agent running", "start_time": iso(now)}],
                  "spans": [{"id": "live-s1", "trace_id": live_id, "name": "plan", "type": "llm", "start_time": iso(now)}]})
    page.goto(f"{server}/traces/{live_id}")
    expect(page.locator("#live-badge")).to_be_visible()
    expect(page.locator("#tree .row")).to_have_count(1)
    post(server, {"project": "live", "spans": [{"id": "live-s2", "trace_id": live_id, "name": "search", "type": "tool",
                                                "start_time": iso(now), "end_time": iso(now)}]})
    expect(page.locator("#tree .row")).to_have_count(2, timeout=8000)
    post(server, {"project": "live", "traces": [{"id": live_id, "end_time": iso(datetime.now(UTC))}]})
    expect(page.locator("#live-badge")).to_have_count(0, timeout=8000)
    assert httpx.get(f"{server}/api/v1/traces/{live_id}").json()["trace"]["status"] == "ok"
