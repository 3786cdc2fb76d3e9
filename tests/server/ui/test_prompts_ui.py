"""Prompts in the UI: list, new prompt and new versions (text and chat), labels that move, the
diff between two versions, and links from traces and spans to the prompt versions they used."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.server.factory import ingest, span, trace
from tests.server.ui.conftest import shot

V1 = "You are a support agent.\nAnswer briefly: {{question}}"
V2 = "You are a friendly support agent.\nAnswer briefly: {{question}}\nSign as {{agent}}."


def add_version(http: Any, name: str, template: Any, **fields: Any) -> dict[str, Any]:
    answer = http.post("/api/v1/prompts", json={"name": name, "template": template, **fields})
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def prompt_id(client: Any, name: str) -> str:
    return str(client.get(f"/api/v1/prompts/{name}").json()["id"])


def test_create_prompt_and_versions_through_the_forms(client):
    empty = client.get("/prompts")
    assert empty.status_code == 200 and "No prompts yet" in empty.text and 'href="/prompts"' in empty.text
    made = client.post("/ui/prompts", data={"name": "answer", "template": V1, "type": "mustache",
                                            "template_structure": "text", "change_description": "first cut"})
    pid = prompt_id(client, "answer")
    assert made.headers["hx-redirect"] == f"/prompts/{pid}?version=1"
    same = client.post("/ui/prompts", data={"name": "answer", "template": V1})
    assert "Same as the latest version" in same.text
    bad = client.post("/ui/prompts", data={"name": "answer", "template": "{% if %}", "type": "jinja2"})
    assert "Jinja2 syntax error" in bad.text
    assert "template: write the template" in client.post("/ui/prompts", data={"name": "answer"}).text
    newer = client.post("/ui/prompts", data={"name": "answer", "template": V2, "change_description": "friendlier"})
    assert newer.headers["hx-redirect"] == f"/prompts/{pid}?version=2"

    listing = client.get("/prompts")
    assert f'href="/prompts/{pid}"' in listing.text and "v2" in listing.text
    page = client.get(f"/prompts/{pid}")
    assert page.status_code == 200
    assert "friendly support agent" in page.text and "friendlier" in page.text and "first cut" in page.text
    variables = page.text.split('class="variables"')[1].split("</p>")[0]
    assert "question" in variables and "agent" in variables
    old = client.get(f"/prompts/{pid}", params={"version": 1})
    assert "You are a support agent." in old.text and 'data-version="1"' in old.text
    assert client.get(f"/prompts/{pid}", params={"version": 7}).status_code == 404
    assert client.get("/prompts/nope").status_code == 404


def test_chat_prompt_renders_its_messages(client):
    messages = [{"role": "system", "content": "You answer in {{language}}."}, {"role": "user", "content": "{{q}}"}]
    add_version(client, "chat-answer", messages, template_structure="chat", change_description="chat")
    page = client.get(f"/prompts/{prompt_id(client, 'chat-answer')}")
    assert '<div class="msg role-system">' in page.text and "You answer in {{language}}." in page.text
    assert '<div class="msg role-user">' in page.text
    assert '<option value="chat" selected>' in page.text  # the new-version form starts from this version
    assert "&#34;role&#34;: &#34;system&#34;" in page.text


def test_labels_move_and_are_removed(client):
    add_version(client, "answer", V1)
    add_version(client, "answer", V2)
    pid = prompt_id(client, "answer")
    assert client.post(f"/ui/prompts/{pid}/labels", data={"label": "production", "version": "1"}).headers[
        "hx-redirect"] == f"/prompts/{pid}?version=1"
    assert client.get("/api/v1/prompts/answer").json()["labels"] == {"production": 1}
    client.post(f"/ui/prompts/{pid}/labels", data={"label": "production", "version": "2"})
    client.post(f"/ui/prompts/{pid}/labels", data={"label": "Canary-eu", "version": "1"})
    assert client.get("/api/v1/prompts/answer").json()["labels"] == {"canary-eu": 1, "production": 2}
    page = client.get(f"/prompts/{pid}")
    row2 = page.text.split('data-version="2"')[1].split("</tr>")[0]
    assert "production" in row2
    assert "is not a label name" in client.post(f"/ui/prompts/{pid}/labels",
                                                data={"label": "no spaces", "version": "1"}).text
    assert "pick a version" in client.post(f"/ui/prompts/{pid}/labels", data={"label": "x"}).text
    client.post(f"/ui/prompts/{pid}/labels/delete", data={"label": "canary-eu"})
    assert client.get("/api/v1/prompts/answer").json()["labels"] == {"production": 2}
    assert "has no label" in client.post(f"/ui/prompts/{pid}/labels/delete", data={"label": "canary-eu"}).text
    assert "production → v2" in client.get("/prompts").text


def test_diff_between_versions(client):
    add_version(client, "answer", V1)
    add_version(client, "answer", V2)
    add_version(client, "answer", V2 + "\nThanks.")
    pid = prompt_id(client, "answer")
    diff = client.get(f"/prompts/{pid}/diff", params={"from": 1, "to": 2})
    assert diff.status_code == 200
    assert '<span class="dl del">-You are a support agent.</span>' in diff.text
    assert '<span class="dl add">+You are a friendly support agent.</span>' in diff.text
    assert '<span class="dl same"> Answer briefly: {{question}}</span>' in diff.text
    default = client.get(f"/prompts/{pid}/diff")  # the latest against the one before
    assert "v2 → v3" in default.text and '<span class="dl add">+Thanks.</span>' in default.text
    assert "same template" in client.get(f"/prompts/{pid}/diff", params={"from": 2, "to": 2}).text
    assert client.get(f"/prompts/{pid}/diff", params={"from": 1, "to": 9}).status_code == 404


def test_traces_and_spans_link_to_their_prompt_versions(client):
    v1 = add_version(client, "answer", V1)["version"]
    add_version(client, "answer", V2)
    pid = prompt_id(client, "answer")
    ref = {"name": "answer", "version": 1, "commit": v1["commit"], "id": v1["id"]}
    t = trace(metadata={"prompts": [ref]})
    s = span(t["id"], metadata={"prompts": [{"name": "answer", "commit": v1["commit"]}, "junk"]})
    ingest(client, "shop", traces=[t], spans=[s])
    detail = client.get(f"/traces/{t['id']}/detail")
    link = re.search(r'class="chip prompt-ref" href="([^"]+)"', detail.text)
    assert link is not None and "answer v1" in detail.text
    opened = client.get(link.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/prompts/{pid}?version=1"
    span_detail = client.get(f"/spans/{s['id']}/detail")
    link = re.search(r'class="chip prompt-ref" href="([^"]+)"', span_detail.text)
    assert link is not None
    by_commit = client.get(link.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert by_commit.headers["location"] == f"/prompts/{pid}?version=1"
    latest = client.get("/prompts/open", params={"name": "answer"}, follow_redirects=False)
    assert latest.headers["location"] == f"/prompts/{pid}?version=2"
    assert client.get("/prompts/open", params={"name": "nope"}).status_code == 404
    assert "prompt-ref" not in client.get(f"/traces/{trace_without_prompts(client)}/detail").text


def trace_without_prompts(client: Any) -> str:
    t = trace(metadata={"prompts": "not a list"})
    ingest(client, "shop", traces=[t])
    return str(t["id"])


def test_prompt_diff_and_moving_a_label_in_the_browser(server, page):
    with httpx.Client(base_url=server, timeout=60) as http:
        add_version(http, "answer", V1, change_description="first cut", labels=["production"])
        add_version(http, "answer", V2, change_description="friendlier")
        pid = prompt_id(http, "answer")
    page.goto(f"{server}/prompts")
    page.click("table.prompts >> text=answer")
    page.wait_for_url(re.compile(f"/prompts/{pid}"))
    expect(page.locator("table.prompt-versions tr[data-version='1'] .labels")).to_contain_text("production")
    page.fill(".label-form input[name=label]", "production")
    page.select_option(".label-form select[name=version]", "2")
    page.click(".label-form button[type=submit]")
    page.wait_for_url(re.compile(r"version=2"))
    expect(page.locator("table.prompt-versions tr[data-version='2'] .labels")).to_contain_text("production")
    expect(page.locator("table.prompt-versions tr[data-version='1'] .labels")).not_to_contain_text("production")
    shot(page, "prompt-label-moved")

    page.select_option(".diff-form select[name=from]", "1")
    page.select_option(".diff-form select[name=to]", "2")
    page.click(".diff-form button[type=submit]")
    page.wait_for_url(re.compile(r"/diff\?from=1&to=2"))
    added = page.locator("pre.diff .dl.add", has_text="friendly support agent")
    removed = page.locator("pre.diff .dl.del", has_text="You are a support agent.")
    expect(added).to_be_visible()
    expect(removed).to_be_visible()
    assert added.evaluate("e => getComputedStyle(e).backgroundColor") != removed.evaluate(
        "e => getComputedStyle(e).backgroundColor")
    shot(page, "prompt-diff")
