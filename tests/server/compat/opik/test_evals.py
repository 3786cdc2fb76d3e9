"""The real opik SDK's datasets, opik.evaluate() and prompts against a live Spyglass, checked through
Spyglass's native API and UI, and native datasets and prompts read back through the SDK."""

from __future__ import annotations

import opik
from opik.evaluation.metrics import Equals

from tests.server.compat.opik.conftest import flush


def test_datasets_insert_and_read(sdk, api, project):
    dataset = sdk.get_or_create_dataset("qa", description="questions")
    dataset.insert([{"input": "2+2", "expected_output": "4"}, {"input": "3+3", "expected_output": "6"}])
    dataset.insert([{"input": "2+2", "expected_output": "4"}])  # a duplicate: skipped by the SDK and the server
    assert sorted(item["input"] for item in dataset.get_items()) == ["2+2", "3+3"]
    assert sdk.get_dataset("qa").id == dataset.id and sdk.get_or_create_dataset("qa").id == dataset.id

    native = api.get("/api/v1/datasets/qa").json()
    assert (native["item_count"], native["description"], native["project"]) == (2, "questions", project)
    items = api.get("/api/v1/datasets/qa/items").json()["items"]
    assert sorted((i["input"], i["expected_output"], i["source"]) for i in items) == [
        ("2+2", "4", "sdk"), ("3+3", "6", "sdk")]
    assert api.get(f"/datasets/{native['id']}").status_code == 200

    dataset.delete([items[0]["id"]])
    assert [i["input"] for i in api.get("/api/v1/datasets/qa/items").json()["items"]] == [items[1]["input"]]


def test_large_inserts_upload_in_parallel_and_read_back_whole(sdk, api):
    dataset = sdk.get_or_create_dataset("big")
    dataset.insert([{"input": f"q{i}", "expected_output": str(i)} for i in range(2_100)])
    assert api.get("/api/v1/datasets/big").json()["item_count"] == 2_100
    assert len(api.get("/api/v1/datasets/big/versions").json()["items"]) == 3  # one per batch of 1,000
    items = sdk.get_dataset("big").get_items()
    assert len(items) == 2_100 and len({i["id"] for i in items}) == 2_100


def test_native_datasets_and_prompts_read_back_through_the_sdk(sdk, api):
    assert api.post("/api/v1/datasets", json={"name": "native-ds"}).status_code == 201
    rows = [{"input": {"q": "hi"}, "expected_output": "hello", "metadata": {"lang": "en"}}, {"input": {"q": "bye"}}]
    assert api.post("/api/v1/datasets/native-ds/items", json={"items": rows}).status_code == 200
    items = sdk.get_dataset("native-ds").get_items()
    assert sorted(i["input"]["q"] for i in items) == ["bye", "hi"]
    assert next(i for i in items if i["input"]["q"] == "hi")["metadata"] == {"lang": "en"}

    body = {"name": "native-prompt", "template": "Answer {{question}}", "labels": ["production"]}
    assert api.post("/api/v1/prompts", json=body).status_code == 201
    prompt = sdk.get_prompt("native-prompt")
    assert prompt.prompt == "Answer {{question}}" and prompt.format(question="why?") == "Answer why?"
    assert sdk.get_prompt("native-prompt", environment="production").commit == prompt.commit


def test_evaluate_with_a_heuristic_metric(sdk, api, project):
    dataset = sdk.get_or_create_dataset("capitals")
    dataset.insert([{"input": "France", "expected_output": "PARIS"}, {"input": "Peru", "expected_output": "LIMA"},
                    {"input": "Chad", "expected_output": "N'DJAMENA"}])
    answers = {"France": "paris", "Peru": "lima", "Chad": "abeche"}

    def task(item: dict) -> dict:
        return {"output": answers[item["input"]].upper()}

    result = opik.evaluate(dataset=dataset, task=task, scoring_metrics=[Equals()], experiment_name="caps-v1",
                           scoring_key_mapping={"reference": "expected_output"}, task_threads=1, verbose=0,
                           project_name=project)
    flush(sdk)
    experiment = api.get(f"/api/v1/experiments/{result.experiment_id}").json()
    assert (experiment["name"], experiment["dataset_name"], experiment["status"]) == ("caps-v1", "capitals",
                                                                                       "completed")
    assert experiment["item_count"] == 3 and experiment["trace_count"] == 3
    assert experiment["scores"]["equals_metric"]["mean"] == 2 / 3
    runs = api.get(f"/api/v1/experiments/{result.experiment_id}/items").json()["items"]
    assert sorted((r["input"], r["scores"]["equals_metric"]["value"]) for r in runs) == [
        ("Chad", 0.0), ("France", 1.0), ("Peru", 1.0)]
    traces = api.get("/api/v1/traces", params={"project": project}).json()["items"]
    assert {t["name"] for t in traces} == {"evaluation_task"} and len(traces) == 3
    assert traces[0]["metadata"]["source"] == "experiment"
    assert api.get(f"/experiments/{result.experiment_id}").status_code == 200

    fetched = sdk.get_experiment_by_id(result.experiment_id)
    assert fetched.name == "caps-v1" and fetched.dataset_name == "capitals"
    assert sorted(i.dataset_item_id for i in fetched.get_items()) == sorted(r["dataset_item_id"] for r in runs)


def test_prompts_create_get_history_and_environments(sdk, api):
    first = sdk.create_prompt(name="greet", prompt="Hi {{name}}", metadata={"team": "a"})
    assert sdk.create_prompt(name="greet", prompt="Hi {{name}}", metadata={"team": "a"}).commit == first.commit
    second = sdk.create_prompt(name="greet", prompt="Hello {{name}}!")
    assert second.commit != first.commit and sdk.get_prompt("greet").prompt == "Hello {{name}}!"
    assert sdk.get_prompt("greet", commit=first.commit).prompt == "Hi {{name}}"
    assert [p.commit for p in sdk.get_prompt_history("greet")] == [second.commit, first.commit]
    chat = sdk.create_chat_prompt(name="chat", messages=[{"role": "system", "content": "Be {{tone}}"}])
    assert sdk.get_chat_prompt("chat").template == [{"role": "system", "content": "Be {{tone}}"}] and chat.commit

    native = api.get("/api/v1/prompts/greet").json()
    assert native["version_count"] == 2 and native["latest_version"]["template"] == "Hello {{name}}!"
    assert native["latest_version"]["metadata"] == {} and api.get(f"/prompts/{native['id']}").status_code == 200

    sdk.set_prompt_environments(prompt_name="greet", version="v1", environments=["production"])
    assert api.get("/api/v1/prompts/greet").json()["labels"] == {"production": 1}
    assert sdk.get_prompt("greet", environment="production").commit == first.commit
