"""Experiments through the SDK against a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import spyglass.sdk as sg

from .live import api, cache_dir, server  # noqa: F401 - fixtures


def test_experiment_links_dataset_items_to_traces(api: sg.Client) -> None:
    ds = api.get_or_create_dataset("arith")
    ds.insert([{"input": "1+1", "expected_output": "2"}, {"input": "2+3", "expected_output": "5"}])
    prompt = api.create_prompt("solver", "Solve {{input}}")
    exp = api.create_experiment(ds, name="run-1", metadata={"model": "m1"}, prompt_versions=[prompt])
    assert (exp.name, exp.dataset_id, exp.dataset_version, exp.status) == ("run-1", ds.id, 1, "running")
    assert exp.url == f"{api.config.url}/experiments/{exp.id}"

    answers = {"1+1": "2", "2+3": "6"}
    for item in ds.get_items():
        trace = api.trace("solve", input=item["input"])
        trace.end(output=answers[item["input"]])
        api.log_trace_feedback(trace.id, "correct", float(answers[item["input"]] == item["expected_output"]))
        exp.log_item(item["id"], trace_id=trace.id)
    assert api.flush(5).ok

    done = exp.finish()
    assert done.status == "completed"
    again = api.get_experiment(exp.id)
    assert again.info["item_count"] == 2 and again.dataset_name == "arith"
    assert again.scores["correct"] == {"mean": 0.5, "count": 2}
    assert again.info["prompt_versions"] == [prompt.link()]
    assert again.info["metadata"] == {"model": "m1"}
    items = exp.get_items()
    assert sorted(i["dataset_item_id"] for i in items) == sorted(i["id"] for i in ds.get_items())
    assert [e.id for e in api.list_experiments(dataset="arith")] == [exp.id]


def test_items_without_traces_and_the_client_alias(api: sg.Client) -> None:
    ds = api.get_or_create_dataset("direct")
    ds.insert([{"input": "a"}])
    (item,) = ds.get_items()
    exp = api.create_experiment("direct")  # by name; default experiment name
    assert exp.name.startswith("direct-")
    api.log_experiment_item(exp.id, item["id"], output={"text": "A"})
    (logged,) = exp.get_items()
    assert logged["dataset_item_id"] == item["id"] and logged["output"] == {"text": "A"}
    assert exp.refresh().info["item_count"] == 1


def test_experiment_errors(api: sg.Client) -> None:
    with pytest.raises(sg.SpyglassAPIError) as info:
        api.create_experiment("no-such-dataset")
    assert info.value.status == 404
    with pytest.raises(sg.SpyglassAPIError) as info:
        api.get_experiment("no-such-experiment")
    assert info.value.status == 404
