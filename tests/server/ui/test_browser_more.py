"""In a real browser: bulk select (tag, delete), the column chooser and "load more" in the URL,
cursor-aware filter autocompletion, HTML error pages, a narrow screen, and a big trace whose
subtrees load on demand."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.server.ui.conftest import shot
from tests.server.ui.seed import big_trace_body, post, seed_demo

PROJECT = "demo-rag-chatbot"  # 86 traces: two pages


def _suggestions(page) -> list[str]:
    expect(page.locator("#filter-suggest")).to_be_visible()
    return page.locator("#filter-suggest li code").all_inner_texts()


def test_bulk_columns_load_more_and_autocomplete(server, page):
    seed_demo(server)
    page.goto(f"{server}/projects/{PROJECT}/traces")
    rows = page.locator("table.traces tbody tr:not(.more)")
    expect(rows).to_have_count(50)
    # Dispatched, not clicked: a real click scrolls the button into view, which loads the next
    # page too (test_browser.py tests that), and the click would then wait for a button gone.
    page.locator("tr.more button").dispatch_event("click")
    expect(rows).to_have_count(86)
    page.wait_for_url(re.compile(r"pages=2"))
    page.reload()
    expect(rows).to_have_count(86)  # the URL brings back the loaded rows

    # column chooser: hide Input and Output; the choice is in the URL and survives sorting
    page.locator(".col-chooser summary").click()
    page.locator(".col-chooser input[data-col=input]").uncheck()
    page.wait_for_url(re.compile(r"cols="))
    page.locator(".col-chooser summary").click()
    page.locator(".col-chooser input[data-col=output]").uncheck()
    page.wait_for_url(re.compile(r"cols=[^&]*tokens"))
    expect(page.locator("table.traces th.col-input")).to_have_count(0)
    expect(page.locator("table.traces th.col-output")).to_have_count(0)
    page.click("th >> text=Duration")
    page.wait_for_url(re.compile(r"sort=-duration"))
    assert "cols=" in page.url
    expect(page.locator("table.traces th.col-tokens")).to_have_count(1)

    # bulk: select all on the page, untick one, tag them; then delete two
    page.locator("th.pick input").check()
    expect(page.locator("#bulk")).to_be_visible()
    expect(page.locator("#bulk .bulk-count")).to_contain_text("50")
    rows.nth(0).locator("td.pick input").uncheck()
    expect(page.locator("#bulk .bulk-count")).to_contain_text("49")
    page.fill("#bulk .bulk-tag", "triaged")
    page.click("#bulk [data-bulk=tag]")
    expect(page.locator("table.traces td.tags .chip", has_text="triaged")).to_have_count(49)
    shot(page, "traces-bulk-tagged")
    first_ids = [rows.nth(i).locator("td.pick input").get_attribute("value") for i in range(2)]
    for i in range(2):
        rows.nth(i).locator("td.pick").click()
    expect(page.locator("#bulk .bulk-count")).to_contain_text("2")
    page.click("#bulk [data-bulk=delete]")
    shot(page, "traces-bulk-confirm")
    page.click("#bulk [data-bulk=confirm]")
    expect(page.locator(f"td.pick input[value='{first_ids[0]}']")).to_have_count(0)
    for trace_id in first_ids:
        assert httpx.get(f"{server}/api/v1/traces/{trace_id}").status_code == 404

    # autocompletion follows the cursor: fields, operators after a field, values after an operator
    page.goto(f"{server}/projects/{PROJECT}/spans")
    box = page.locator("input[name=filter]")
    box.click()
    box.type("ty")
    assert _suggestions(page)[0] == "type"
    page.keyboard.press("Tab")
    assert "=" in _suggestions(page) and "in" in _suggestions(page)
    box.type("= ")
    assert '"llm"' in _suggestions(page) and '"tool"' in _suggestions(page)
    page.locator("#filter-suggest li", has_text='"tool"').click()
    assert box.input_value() == 'type = "tool" '
    assert _suggestions(page) == ["and", "or"]
    box.type("and meta")
    page.keyboard.press("Tab")
    assert box.input_value() == 'type = "tool" and metadata.'
    box.type("x")  # no metadata key starts with x: the list closes
    expect(page.locator("#filter-suggest")).to_be_hidden()
    box.press("Backspace")
    box.type(" ")
    box.fill('status = "error"')
    box.press("Home")  # at the start of the text: fields again
    assert "status" in _suggestions(page)
    box.press("End")
    box.type(" and feedback.")
    shot(page, "spans-autocomplete")
    box.press("Escape")
    expect(page.locator("#filter-suggest")).to_be_hidden()


def test_error_pages_and_narrow_screen(server, browser):
    seed_demo(server)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        answer = page.goto(f"{server}/projects/no-such-project/traces")
        assert answer is not None and answer.status == 404
        expect(page.locator(".error-page")).to_be_visible()
        expect(page.locator(".error-page h1")).to_contain_text("未找到")
        shot(page, "error-404-zh-narrow")
        answer = page.goto(f"{server}/traces/no-such-trace")
        assert answer is not None and answer.status == 404 and "text/html" in answer.headers["content-type"]
        problems.clear()  # the two 404s above are the point of this test
        page.goto(f"{server}/projects/{PROJECT}/traces")
        expect(page.locator("table.traces tbody tr").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        shot(page, "traces-narrow-zh")
        page.locator("table.traces tbody tr a").first.click()
        expect(page.locator("#tree .row").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "trace-narrow-zh")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.fixture
def lazy_server(monkeypatch, db_url):
    """A server that opens traces of over 100 spans lazily, as it does past 20,000 by default."""
    from tests.server.test_durability import free_port, start

    monkeypatch.setenv("SPYGLASS_UI_INLINE_SPANS", "100")
    port = free_port()
    proc = start(db_url, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


def test_big_trace_loads_subtrees_on_demand(lazy_server, page):
    server = lazy_server
    trace_id, body = big_trace_body(2501)  # a root, 50 steps of 49 calls
    post(server, body)
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(f"{server}/traces/{trace_id}")
    page.wait_for_function("document.body.dataset.treeReady === '2501'")
    visible = "window.spyglassTree.visible.length"
    assert page.evaluate(visible) == 51  # the root and its children; the rest on demand
    assert not [u for u in requests if "/skeleton" in u or "/children" in u]
    expect(page.locator(f"#tree .row[data-id='{trace_id}-root']")).to_have_class(re.compile("err-below"))
    page.locator("#tree").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last_step = page.locator(f"#tree .row[data-id='{trace_id}-s2451']")
    expect(last_step).to_have_class(re.compile("err-below"))
    last_step.locator(".caret[data-lazy]").click()
    page.wait_for_function(f"{visible} === 100")
    assert [u for u in requests if "/children" in u]
    page.locator("#tree").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(page.locator("#tree .row.err")).to_have_count(1)
    page.locator("#tree .row", has_text="call 2500").click()
    expect(page.locator("#detail .detail[data-kind=span]")).to_contain_text("call 2500")
    shot(page, "trace-lazy-expanded")
    page.fill("#span-search", "call 1234")
    expect(page.locator("#tree .row")).to_have_count(3)  # the match and its two ancestors
    page.fill("#span-search", "")
    page.wait_for_function(f"{visible} === 100")
    page.goto(f"{server}/traces/{trace_id}?span={trace_id}-s1234")  # a permalink deep into the tree
    expect(page.locator("#tree .row.sel")).to_contain_text("call 1234")
    expect(page.locator("#detail .detail[data-kind=span]")).to_contain_text("call 1234")
