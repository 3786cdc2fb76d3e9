"""Datasets through the SDK against a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import spyglass.sdk as sg
from spyglass.sdk import datasets

from .live import api, cache_dir, server  # noqa: F401 - fixtures

ITEMS = [
    {"input": {"q": "2+2"}, "expected_output": "4", "metadata": {"level": "easy"}},
    {"input": {"q": "capital of France"}, "expected_output": "Paris", "topic": "geo"},
]


def test_dataset_lifecycle(api: sg.Client) -> None:
    ds = api.get_or_create_dataset("qa", description="questions")
    assert api.get_or_create_dataset("qa").id == ds.id
    assert (ds.name, ds.description, ds.version) == ("qa", "questions", 0)

    first = ds.insert(ITEMS)
    assert (first["inserted"], first["skipped_duplicates"], first["version"]) == (2, 0, 1)
    assert ds.version == 1 and len(first["ids"]) == 2
    again = ds.insert([ITEMS[0], {"input": {"q": "new"}}])  # one already there
    assert (again["inserted"], again["skipped_duplicates"], again["version"]) == (1, 1, 2)

    items = {i["data"]["input"]["q"]: i for i in ds.get_items()}
    assert set(items) == {"2+2", "capital of France", "new"}
    geo = items["capital of France"]
    assert geo["data"] == {"input": {"q": "capital of France"}, "expected_output": "Paris", "topic": "geo"}
    assert geo["expected_output"] == "Paris" and geo["source"] == "sdk"

    updated = ds.update(geo["id"], expected_output="Paris, France")
    assert updated["id"] == geo["id"] and updated["data"]["topic"] == "geo"  # other keys kept
    assert ds.version == 3
    deleted = ds.delete([items["new"]["id"]])
    assert deleted["version"] == 4 and ds.version == 4

    current = ds.get_items()
    assert sorted(i["expected_output"] for i in current) == ["4", "Paris, France"]
    assert sorted(i["expected_output"] for i in ds.get_items(version=1)) == ["4", "Paris"]
    assert [v["version"] for v in ds.versions()] == [4, 3, 2, 1]
    assert ds.refresh().item_count == 2

    assert [d.name for d in api.list_datasets()] == ["qa"]
    api.delete_dataset("qa")
    with pytest.raises(sg.SpyglassAPIError) as info:
        api.get_dataset("qa")
    assert info.value.status == 404


def test_large_inserts_go_in_batches_and_ids_upsert(api: sg.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "INSERT_BATCH", 2)
    ds = api.get_or_create_dataset("batched")
    result = ds.insert([{"id": f"item-{i}", "input": i} for i in range(5)])
    assert (result["inserted"], result["version"], len(result["ids"])) == (5, 3, 5)
    upsert = ds.insert([{"id": "item-1", "input": "changed"}])
    assert (upsert["inserted"], upsert["updated"]) == (0, 1)
    assert sorted(str(i["input"]) for i in ds.get_items()) == ["0", "2", "3", "4", "changed"]
    assert len(ds.get_items(limit=3)) == 3


def test_items_from_traces(api: sg.Client) -> None:
    trace = api.trace("answer", input={"q": "why?"})
    trace.end(output={"a": "because"})
    assert api.flush(5).delivered == 1
    ds = api.get_or_create_dataset("from-prod")
    result = ds.insert_from_traces([trace.id])
    assert result["inserted"] == 1
    (item,) = ds.get_items()
    assert item["input"] == {"q": "why?"} and item["expected_output"] == {"a": "because"}
    assert item["trace_id"] == trace.id


def test_errors_raise(api: sg.Client, dead_url: str) -> None:
    with pytest.raises(sg.SpyglassAPIError) as info:
        api.get_dataset("nope")
    assert info.value.status == 404 and "nope" in str(info.value)
    with pytest.raises(TypeError):
        api.get_or_create_dataset("x").insert(["not a dict"])  # type: ignore[list-item]
    offline = sg.Client(url=dead_url)
    with pytest.raises(sg.SpyglassAPIError) as info:
        offline.get_or_create_dataset("x")
    assert info.value.status == 0 and info.value.unreachable
