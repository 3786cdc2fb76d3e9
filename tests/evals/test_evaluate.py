"""evaluate() and evaluate_prompt() against a real Spyglass server (SQLite and PostgreSQL) and the
OpenAI-compatible stub: traces, experiment items, feedback scores, baseline comparison."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import pytest
from rich.console import Console

import spyglass.sdk as sg
from spyglass.evals import Equals, EvaluationResult, Metric, ScoreResult, Usefulness, evaluate, evaluate_prompt
from spyglass.evals.providers import OpenAICompatProvider

from tests.sdk.live import api, cache_dir, server  # noqa: F401 - fixtures

from .stub_llm import Reply, StubLLM


class Quality(Metric):
    """The task reports its own quality: lets a test choose every score."""

    name = "quality"

    def score(self, *, output: Any, **_: Any) -> ScoreResult:
        return self.result(output["q"], f"quality {output['q']:.2f}")


class Fragile(Metric):
    """Fails on one input, to show a metric error is recorded and the run goes on."""

    name = "fragile"
    requires = ("input", "output")

    def score(self, *, input: Any, output: Any, **_: Any) -> ScoreResult:
        if input == "boom":
            raise RuntimeError("cannot score boom")
        return self.result(1.0, "fine")


def quiet() -> dict[str, Any]:
    """Options that keep the output of a test run small, captured in a recording console."""
    return {"progress": False, "console": Console(file=io.StringIO(), width=200, record=True)}


def test_runs_are_traced_scored_and_recorded(api: sg.Client, stub: StubLLM, judge: OpenAICompatProvider) -> None:
    ds = api.get_or_create_dataset("qa")
    ds.insert([{"input": q, "expected_output": a, "metadata": {"docs": [a]}}
               for q, a in (("2+2", "4"), ("3+3", "6"), ("boom", "?"), ("crash", "!"))])
    stub.responder = lambda body: Reply(json.dumps({"score": 5, "reason": "spot on"}))

    @sg.track(type="tool")
    def calculator(expression: str) -> str:
        if expression == "crash":
            raise ValueError("calculator broke")
        return {"2+2": "4", "3+3": "7"}.get(expression, "?")

    @sg.track
    def solve(item: dict[str, Any]) -> dict[str, Any]:
        return {"answer": calculator(item["input"]), "docs": item["metadata"]["docs"]}

    options = quiet()
    result = evaluate("qa", solve, [Equals(), Fragile(), Usefulness(judge)], client=api, workers=3,
                      experiment_name="first", experiment_metadata={"model": "calc-1"}, project="evals",
                      scoring_fields={"output": "output.answer", "context": "output.docs"}, **options)

    assert isinstance(result, EvaluationResult) and len(result.items) == 4
    by_input = {item.item["input"]: item for item in result.items}
    assert by_input["crash"].task_error == "ValueError: calculator broke" and by_input["crash"].scores == {}
    assert by_input["2+2"].value("equals") == 1.0 and by_input["3+3"].value("equals") == 0.0
    assert by_input["boom"].scores["fragile"].error == "RuntimeError: cannot score boom"
    equals, fragile, useful = (result.metrics[n] for n in ("equals", "fragile", "usefulness"))
    assert (equals.mean, equals.count, equals.errors) == (pytest.approx(2 / 3), 3, 1)
    assert (fragile.mean, fragile.count, fragile.errors) == (1.0, 2, 2)
    assert (useful.mean, useful.count) == (1.0, 3)
    prompts = " ".join(r.prompt for r in stub.requests)  # scoring_fields fed the judge its context and output
    assert "<request>\n2+2\n</request>\n<context>\n4\n</context>\n<output>\n4\n</output>" in prompts

    experiment = api.get_experiment(result.experiment_id)
    assert (experiment.name, experiment.status, experiment.dataset_version) == ("first", "completed", ds.version)
    assert experiment.info["project"] == "evals" and experiment.info["item_count"] == 4
    meta = experiment.info["metadata"]
    assert meta["model"] == "calc-1" and meta["task"] == "solve"
    assert meta["metrics"]["usefulness"] == {"type": "Usefulness", "higher_is_better": True}
    assert experiment.scores["equals"] == {"mean": pytest.approx(2 / 3), "count": 3}
    assert experiment.scores["fragile"] == {"mean": 1.0, "count": 2}

    stored = {item["dataset_item_id"]: item for item in experiment.get_items()}
    good = stored[by_input["2+2"].dataset_item_id]
    assert good["trace_id"] == by_input["2+2"].trace_id and good["output"]["answer"] == "4"
    assert good["scores"]["usefulness"] == {"value": 1.0, "reason": "spot on"}
    assert good["scores"]["equals"]["value"] == 1.0
    assert stored[by_input["crash"].dataset_item_id]["error"]["message"] == "calculator broke"

    tree = api.get_trace(by_input["2+2"].trace_id)
    assert tree["trace"]["metadata"]["experiment"]["id"] == result.experiment_id
    spans = {s["name"]: s for s in tree["spans"]}
    assert spans["calculator"]["parent_span_id"] == spans["solve"]["id"]  # nested @track calls are children
    assert spans["judge.usefulness"]["parent_span_id"] == spans["metrics"]["id"]
    assert spans["metrics"]["output"]["equals"]["value"] == 1.0
    authors = {s["name"]: s["author"] for s in tree["trace"]["feedback_scores"]}
    assert authors["usefulness"] == "judge:gpt-4o-mini" and authors["equals"] == "judge:Equals"

    printed = options["console"].export_text()
    assert "equals" in printed and "0.667" in printed and "The task failed on 1 item(s)" in printed
    assert f"{api.config.url}/experiments/{result.experiment_id}" in printed


def quality_run(api: sg.Client, name: str, shift: float, noise: float, seed: int, **kw: Any) -> EvaluationResult:
    """40 items of varied difficulty; the task's quality = difficulty + shift + noise."""
    rng = random.Random(seed)

    def task(item: dict[str, Any]) -> dict[str, Any]:
        return {"q": item["difficulty"] + shift + rng.uniform(-noise, noise)}

    return evaluate("hard", task, [Quality()], client=api, experiment_name=name, workers=1, **{**quiet(), **kw})


def test_only_significant_regressions_are_flagged(api: sg.Client) -> None:
    ds = api.get_or_create_dataset("hard")
    rng = random.Random(7)
    ds.insert([{"input": f"q{i}", "difficulty": rng.uniform(0.1, 0.9)} for i in range(40)])

    base = quality_run(api, "main", 0.0, 0.05, seed=1)
    noisy = quality_run(api, "noisy", 0.0, 0.05, seed=2, baseline="main")
    assert noisy.comparison is not None and noisy.comparison.baseline_id == base.experiment_id
    delta = noisy.comparison.delta("quality")
    assert delta is not None and delta.n == 40 and not delta.regression and noisy.regressions == []

    console = quiet()["console"]
    worse = quality_run(api, "worse", -0.08, 0.05, seed=3, baseline=base.experiment_id, console=console)
    (regression,) = worse.regressions
    assert regression.metric == "quality" and regression.high < 0 and regression.delta == pytest.approx(-0.08, abs=0.03)
    assert worse.compare_url == (f"{api.config.url}/experiments/compare?ids={base.experiment_id}%2C"
                                 f"{worse.experiment_id}&baseline={base.experiment_id}")
    printed = console.export_text()
    assert "vs baseline main" in printed and f"{regression.delta:+.3f}" in printed and "▼ regression" in printed
    assert "Significant regression vs main: quality" in printed and worse.compare_url in printed

    missing = quality_run(api, "orphan", 0.0, 0.0, seed=4, baseline="no-such-run")
    assert missing.comparison is None and "baseline not compared" in missing.warnings[0]


def test_evaluate_prompt_links_the_prompt_version(api: sg.Client, stub: StubLLM) -> None:
    ds = api.get_or_create_dataset("capitals")
    ds.insert([{"input": {"country": c}, "expected_output": a} for c, a in (("France", "Paris"), ("Peru", "Lima"))])
    prompt = api.create_prompt("capital", "What is the capital of {{country}}? One word.")
    answers = {"France": "Paris", "Peru": "Cusco"}
    stub.responder = lambda body: Reply(answers[body["messages"][-1]["content"].split(" of ")[1].split("?")[0]])
    model = OpenAICompatProvider("tiny-model", base_url=stub.openai_url, api_key="sk-test", price=(0, 0))

    result = evaluate_prompt("capitals", "capital", model, [Equals()], client=api, project="prompts", **quiet())

    assert result.means == {"equals": 0.5}
    assert sorted(r.messages[-1]["content"] for r in stub.requests) == [
        "What is the capital of France? One word.", "What is the capital of Peru? One word."]
    experiment = api.get_experiment(result.experiment_id)
    assert experiment.info["prompt_versions"] == [prompt.link()]
    meta = experiment.info["metadata"]
    assert (meta["prompt"], meta["model"], meta["task"]) == (prompt.link(), "tiny-model", "prompt:capital")
    tree = api.get_trace(result.items[0].trace_id)
    assert tree["trace"]["metadata"]["prompts"] == [prompt.link()]
    (llm,) = [s for s in tree["spans"] if s["type"] == "llm"]
    assert llm["name"] == "capital" and llm["model"] == "tiny-model" and llm["metadata"]["judge"] is False


def test_bad_arguments_fail_before_anything_is_recorded(api: sg.Client) -> None:
    api.get_or_create_dataset("empty")
    with pytest.raises(ValueError, match="two metrics are named 'equals'"):
        evaluate("empty", lambda item: 1, [Equals(), Equals()], client=api)
    with pytest.raises(TypeError, match="Metric instances"):
        evaluate("empty", lambda item: 1, [lambda **kw: 1.0], client=api)  # type: ignore[list-item]
    with pytest.raises(sg.SpyglassAPIError) as info:
        evaluate("no-such-dataset", lambda item: 1, [Equals()], client=api, **quiet())
    assert info.value.status == 404
    assert api.list_experiments() == []
