from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from spyglass.evals import (
    Contains,
    Equals,
    LevenshteinRatio,
    Metric,
    ScoreResult,
    asafe_score,
    ascore_all,
    fields_from,
    safe_score,
    score_all,
)

from .aio import run


class Boom(Metric):
    name = "boom"

    def score(self, **fields: Any) -> ScoreResult:
        raise RuntimeError("judge exploded")


class Wrong(Metric):
    name = "wrong"

    def __init__(self, returns: Any) -> None:
        super().__init__()
        self.returns = returns

    def score(self, **fields: Any) -> Any:
        return self.returns


class Length(Metric):
    name = "length"
    requires = ("output",)
    uses = ("input",)
    score_range = (0.0, math.inf)

    def score(self, *, output: Any, **_: Any) -> ScoreResult:
        return self.result(len(output), None, seen=sorted(_))


def test_score_result_forms() -> None:
    r = ScoreResult("m", 0.5, "half", {"k": 1})
    assert not r.failed
    assert r.to_dict() == {"name": "m", "value": 0.5, "reason": "half", "metadata": {"k": 1}}
    assert r.as_feedback() == {"name": "m", "value": 0.5, "reason": "half"}
    failed = ScoreResult("m", None, error="bad")
    assert failed.failed and failed.to_dict()["error"] == "bad"


def test_missing_required_field_is_an_error_result_not_an_exception() -> None:
    result = safe_score(Equals(), {"output": "x"})
    assert result.value is None and result.name == "equals"
    assert result.error == "missing required field(s): expected"


def test_exception_in_metric_is_recorded() -> None:
    result = safe_score(Boom(), {"output": "x"})
    assert result.failed and result.error == "RuntimeError: judge exploded"
    assert result.metadata["duration_ms"] >= 0


def test_bad_return_values_are_errors() -> None:
    assert "not ScoreResult" in safe_score(Wrong(0.5), {"output": "x"}).error
    assert "non-finite" in safe_score(Wrong(ScoreResult("wrong", math.nan)), {"output": "x"}).error
    assert "non-numeric" in safe_score(Wrong(ScoreResult("wrong", "high")), {"output": "x"}).error  # type: ignore[arg-type]
    ok = safe_score(Wrong(ScoreResult("wrong", 1)), {"output": "x"})
    assert ok.value == 1.0 and isinstance(ok.value, float)


def test_calling_a_metric_is_the_safe_call() -> None:
    assert Equals()(output="a", expected="a").value == 1.0
    assert Boom()(output="a").failed


def test_extra_fields_are_ignored_and_booleans_become_floats() -> None:
    result = safe_score(Length(), {"output": "abcd", "input": "q", "trace_id": "t1"})
    assert result.value == 4.0 and result.metadata["seen"] == ["input", "trace_id"]
    assert Contains("b").score(output="abc").value == 1.0


def test_fields_from_dataset_item_and_trace_shapes() -> None:
    item = {"input": {"q": "capital of France?"}, "expected_output": "Paris", "metadata": {"docs": ["Paris is..."]}}
    fields = fields_from(item, {"context": "metadata.docs", "question": "input.q"})
    assert fields["expected"] == "Paris" and fields["context"] == ["Paris is..."]
    assert fields["question"] == "capital of France?"
    assert fields_from({"expected": "a", "expected_output": "b"})["expected"] == "a"
    assert fields_from({"messages": [{"content": "hi"}]}, {"first": "messages.0.content", "none": "messages.5"}) == {
        "messages": [{"content": "hi"}], "first": "hi", "none": None}


def test_mapping_is_applied_by_safe_score() -> None:
    trace = {"input": {"question": "q"}, "output": {"answer": "Paris"}, "metadata": {"gold": "paris"}}
    result = safe_score(Equals(case_sensitive=False), trace, {"output": "output.answer", "expected": "metadata.gold"})
    assert result.value == 1.0


def test_async_and_batch_helpers() -> None:
    metrics = [Equals(), Contains(), Boom(), LevenshteinRatio()]
    fields = {"output": "Paris, France", "expected": "Paris"}
    sync = [r.value for r in score_all(metrics, fields)]
    asyncs = [r.value for r in run(ascore_all(metrics, fields))]
    assert sync == asyncs == [0.0, 1.0, None, 1 - 8 / 13]
    assert run(asafe_score(Equals(), {"output": "x"})).error.startswith("missing")


def test_metrics_are_safe_to_share_between_threads() -> None:
    metric = LevenshteinRatio()
    items = [{"output": "a" * i, "expected": "a" * 10} for i in range(1, 41)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        values = list(pool.map(lambda f: safe_score(metric, f).value, items))
    assert values == [1 - abs(i - 10) / max(i, 10) for i in range(1, 41)]


def test_metrics_by_name_for_configured_callers() -> None:
    from spyglass.evals import METRICS, GEval, Hallucination, build_metric, describe_metrics

    assert len(METRICS) == 20 and METRICS["hallucination"] is Hallucination
    judge = build_metric("g_eval", criteria="Concise.", name="concise", model="gpt-4o-mini")
    assert isinstance(judge, GEval) and judge.name == "concise"
    assert build_metric("contains", substring="refund")(output="Refund issued").value == 1.0
    by_kind = {d["kind"]: d for d in describe_metrics()}
    assert by_kind["hallucination"]["judge"] and not by_kind["equals"]["judge"]
    assert by_kind["context_recall"]["requires"] == ["context", "expected"]
    assert by_kind["moderation"]["higher_is_better"] is False
    assert by_kind["regex_match"]["options"] == ["pattern", "flags"]
    assert by_kind["bleu"]["summary"].startswith("Sentence BLEU")
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        build_metric("nope")
