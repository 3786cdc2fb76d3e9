"""Datasets in the UI: list, create, rename, delete; items (add with JSON checks, edit, delete, any
version, "load more"); "add to dataset" from traces. Over HTTP and in a real browser."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from spyglass import __version__
from tests.server.factory import ingest, trace
from tests.server.ui.conftest import shot


def create(client: Any, name: str, description: str = "") -> str:
    """A dataset made through the form; returns its id."""
    answer = client.post("/ui/datasets", data={"name": name, "description": description})
    assert answer.status_code == 200 and answer.headers.get("hx-redirect", "").startswith("/datasets/"), answer.text
    return str(answer.headers["hx-redirect"].rsplit("/", 1)[1])


def items_of(client: Any, dataset_id: str, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/datasets/{dataset_id}/items", params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_list_create_rename_delete(client):
    empty = client.get("/datasets")
    assert empty.status_code == 200 and "No datasets yet" in empty.text and "get_or_create_dataset" in empty.text
    assert 'href="/datasets"' in client.get("/").text  # in the top navigation
    client.cookies.set("lang", "zh-CN")
    assert "还没有数据集" in client.get("/datasets").text
    client.cookies.delete("lang")
    ds = create(client, "golden", "hand-picked questions")
    taken = client.post("/ui/datasets", data={"name": "golden"})
    assert taken.status_code == 200 and "already exists" in taken.text and "hx-redirect" not in taken.headers
    assert "give the dataset a name" in client.post("/ui/datasets", data={"name": " "}).text

    listing = client.get("/datasets")
    assert f'href="/datasets/{ds}"' in listing.text and "hand-picked questions" in listing.text
    assert "golden" in client.get("/datasets", params={"q": "GOLD"}).text
    assert "No datasets match" in client.get("/datasets", params={"q": "zzz"}).text

    renamed = client.post(f"/ui/datasets/{ds}/rename", data={"name": "golden-v2", "description": "checked"})
    assert renamed.headers["hx-redirect"] == f"/datasets/{ds}"
    assert client.get(f"/api/v1/datasets/{ds}").json()["name"] == "golden-v2"
    create(client, "other")
    clash = client.post(f"/ui/datasets/{ds}/rename", data={"name": "other"})
    assert "already exists" in clash.text

    deleted = client.post(f"/ui/datasets/{ds}/delete")
    assert deleted.headers["hx-redirect"] == "/datasets"
    assert client.get(f"/api/v1/datasets/{ds}").status_code == 404
    assert client.get(f"/datasets/{ds}").status_code == 404


def test_items_add_edit_delete_and_versions(client):
    ds = create(client, "support")
    bad = client.post(f"/ui/datasets/{ds}/items", data={"input": '{"question": "refunds?"', "expected_output": ""})
    assert "input: not valid JSON" in bad.text and "line 1, column" in bad.text
    not_object = client.post(f"/ui/datasets/{ds}/items", data={"input": "hi", "metadata": "[1, 2]"})
    assert "metadata: must be a JSON object" in not_object.text
    assert "give an input or an expected output" in client.post(f"/ui/datasets/{ds}/items", data={}).text
    assert items_of(client, ds) == []

    fields = {"input": '{"question": "How do refunds work?"}', "expected_output": "Within 30 days.",
              "metadata": '{"topic": "refunds"}'}
    added = client.post(f"/ui/datasets/{ds}/items", data=fields)
    assert added.headers["hx-redirect"] == f"/datasets/{ds}"
    [item] = items_of(client, ds)
    assert item["input"] == {"question": "How do refunds work?"} and item["expected_output"] == "Within 30 days."
    assert item["metadata"] == {"topic": "refunds"} and item["source"] == "ui"
    duplicate = client.post(f"/ui/datasets/{ds}/items", data=fields)
    assert "already in the dataset" in duplicate.text

    form = client.get(f"/ui/datasets/{ds}/items/{item['id']}/edit")
    assert form.status_code == 200 and "Within 30 days." in form.text and "&#34;topic&#34;" in form.text
    edited = client.post(f"/ui/datasets/{ds}/items/{item['id']}",
                         data={"input": fields["input"], "expected_output": "Within 60 days.", "metadata": ""})
    assert edited.headers["hx-redirect"] == f"/datasets/{ds}"
    [item2] = items_of(client, ds)
    assert item2["id"] == item["id"] and item2["expected_output"] == "Within 60 days."
    assert "metadata" not in item2["data"]  # an emptied field removes the key

    page = client.get(f"/datasets/{ds}")
    assert page.status_code == 200 and "Within 60 days." in page.text and "Within 30 days." not in page.text
    assert f"v{__version__}</span>" in page.text  # the dataset's version does not hide the app's
    versions = page.text.split('class="grid versions"')[1]
    assert "insert 1 item" in versions and "update 1 item" in versions
    old = client.get(f"/datasets/{ds}", params={"version": 1})
    assert "Within 30 days." in old.text and "read-only" in old.text and "/edit" not in old.text
    assert '<option value="1" selected>' in old.text

    gone = client.post(f"/ui/datasets/{ds}/items/{item['id']}/delete")
    assert gone.headers["hx-redirect"] == f"/datasets/{ds}"
    assert items_of(client, ds) == [] and "No items in this version" in client.get(f"/datasets/{ds}").text
    assert client.get(f"/datasets/{ds}", params={"version": 9}).status_code == 404


def test_items_load_more_keeps_the_version(client):
    ds = create(client, "many")
    rows = [{"input": f"question {i}"} for i in range(60)]
    assert client.post(f"/api/v1/datasets/{ds}/items", json={"items": rows}).status_code == 200
    assert client.post(f"/api/v1/datasets/{ds}/items", json={"items": [{"input": "late"}]}).status_code == 200
    page = client.get(f"/datasets/{ds}", params={"version": 1})
    assert page.text.count('<tr id="item-') == 50
    more = re.search(r'hx-get="(/datasets/[^"]+cursor=[^"]+)"', page.text)
    assert more is not None and "version=1" in more.group(1)
    rest = client.get(more.group(1).replace("&amp;", "&"))
    assert rest.text.count('<tr id="item-') == 10 and "<html" not in rest.text and "late" not in rest.text


def test_add_traces_from_the_bulk_bar_and_the_trace_page(client):
    traces = [trace(name="rag.answer", offset_s=i, input={"question": f"q{i}"}, output=f"a{i}") for i in range(3)]
    ingest(client, "shop", traces=traces)
    listing = client.get("/projects/shop/traces")
    assert 'hx-post="/ui/datasets/add-traces"' in listing.text and ".pick-row:checked" in listing.text
    trace_page = client.get(f"/traces/{traces[0]['id']}")
    assert f'name="trace_ids" value="{traces[0]["id"]}"' in trace_page.text

    ids = ",".join(t["id"] for t in traces[:2])
    first = client.post("/ui/datasets/add-traces", data={"dataset": "from-prod", "trace_ids": ids})
    assert "2 added, 0 skipped as duplicates" in first.text and "from-prod" in first.text
    ds = client.get("/api/v1/datasets/from-prod").json()
    assert ds["item_count"] == 2
    again = client.post("/ui/datasets/add-traces", data={"dataset": "from-prod", "trace_ids": traces[2]["id"]})
    assert "1 added, 0 skipped" in again.text
    dupes = client.post("/ui/datasets/add-traces", data={"dataset": ds["id"], "trace_ids": ids})
    assert "0 added, 2 skipped as duplicates" in dupes.text
    items = items_of(client, ds["id"])
    assert [i["input"] for i in items] == [{"question": "q0"}, {"question": "q1"}, {"question": "q2"}]
    assert items[0]["expected_output"] == "a0" and items[0]["trace_id"] == traces[0]["id"]
    page = client.get(f"/datasets/{ds['id']}")
    assert f'href="/traces/{traces[0]["id"]}"' in page.text  # each item links back to its trace

    assert "not found" in client.post("/ui/datasets/add-traces", data={"dataset": "x", "trace_ids": "nope"}).text
    assert client.get("/api/v1/datasets/x").status_code == 404  # a failed add makes no dataset
    assert "pick a dataset" in client.post("/ui/datasets/add-traces", data={"trace_ids": ids}).text
    assert "from-prod" in client.get("/ui/datasets/options").text


def test_create_dataset_and_add_an_item_in_the_browser(server, page):
    page.goto(f"{server}/datasets")
    page.click(".sections >> text=Datasets")
    page.locator(".new-dataset summary").click()
    page.fill(".new-dataset input[name=name]", "golden questions")
    page.fill(".new-dataset input[name=description]", "picked by hand")
    page.click(".new-dataset button[type=submit]")
    page.wait_for_url(re.compile(r"/datasets/[0-9a-f-]+$"))
    expect(page.locator("h1 .ds-name")).to_have_text("golden questions")

    page.locator(".add-item summary").click()
    form = page.locator(".add-item form")
    form.locator("textarea[name=input]").fill('{"question": "How do refunds work?"')
    form.locator("textarea[name=expected_output]").fill("Within 30 days.")
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-msg .err")).to_contain_text("input: not valid JSON")
    form.locator("textarea[name=input]").fill('{"question": "How do refunds work?"}')
    form.locator("button[type=submit]").click()
    expect(page.locator("table.items tbody tr")).to_have_count(1)
    expect(page.locator("table.items")).to_contain_text("How do refunds work?")
    expect(page.locator("table.versions")).to_contain_text("insert 1 item")
    shot(page, "dataset-item-added")

    page.locator("table.items button", has_text="Edit").click()
    page.locator("tr.editing textarea[name=expected_output]").fill("Within 60 days.")
    page.locator("tr.editing button[type=submit]").click()
    expect(page.locator("table.items")).to_contain_text("Within 60 days.")
    page.select_option("select[name=version]", "1")
    page.wait_for_url(re.compile(r"version=1"))
    expect(page.locator(".old-version")).to_be_visible()
    expect(page.locator("table.items")).to_contain_text("Within 30 days.")
    page.click("text=back to the current version")
    page.locator("table.items summary", has_text="Delete").click()
    page.locator("table.items button", has_text="Confirm delete").click()
    expect(page.locator(".items-panel .empty-note")).to_be_visible()
    expect(page.locator("table.versions")).to_contain_text("delete 1 item")


def test_add_traces_to_a_dataset_from_the_bulk_bar_in_the_browser(server, page):
    traces = [trace(name=f"answer {i}", offset_s=i, input={"question": f"q{i}"}, output=f"a{i}") for i in range(4)]
    with httpx.Client(base_url=server, timeout=60) as http:
        ingest(http, "shop", traces=traces)
    page.goto(f"{server}/projects/shop/traces")
    rows = page.locator("table.traces tbody tr")
    expect(rows).to_have_count(4)
    for i in range(2):
        rows.nth(i).locator("td.pick input").check()
    bar = page.locator("#bulk")
    expect(bar).to_be_visible()
    bar.locator("input[name=dataset]").fill("regressions")
    bar.locator(".add-to-dataset button[type=submit]").click()
    expect(bar.locator(".ok-note")).to_contain_text("2 added, 0 skipped as duplicates")
    shot(page, "traces-bulk-add-to-dataset")
    rows.nth(2).locator("td.pick input").check()
    bar.locator(".add-to-dataset button[type=submit]").click()
    expect(bar.locator(".ok-note")).to_contain_text("1 added, 2 skipped as duplicates")
    bar.locator(".ok-note a").click()
    page.wait_for_url(re.compile(r"/datasets/"))
    expect(page.locator("table.items tbody tr")).to_have_count(3)
