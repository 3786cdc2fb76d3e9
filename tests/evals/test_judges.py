"""Each LLM-judge metric: the prompt it sends, how it reads the answer, retries on bad answers."""

from __future__ import annotations

import json

import pytest

from spyglass.evals import (
    AnswerRelevance,
    ContextPrecision,
    ContextRecall,
    GEval,
    Hallucination,
    Moderation,
    Usefulness,
    asafe_score,
    safe_score,
)
from spyglass.evals.providers import OpenAICompatProvider
from spyglass.sdk.testing import InMemoryExporter

from .aio import run
from .stub_llm import StubLLM

QUESTION = "When was the Eiffel Tower finished?"
CONTEXT = ["The Eiffel Tower was completed in 1889.", "It is 330 metres tall.", "Paris hosts many museums."]


def test_hallucination_counts_unsupported_claims(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"claims": [
        {"claim": "finished in 1889", "verdict": "supported"},
        {"claim": "designed by Picasso", "verdict": "contradicted"},
        {"claim": "painted red", "verdict": "unsupported"},
    ], "reason": "Two claims are not in the context."})
    result = safe_score(Hallucination(judge), {"input": QUESTION, "output": "1889, by Picasso, painted red.",
                                               "context": CONTEXT})
    assert result.value == pytest.approx(2 / 3) and result.reason == "Two claims are not in the context."
    assert result.metadata["contradicted"] == 1 and result.metadata["unsupported"] == 1
    assert Hallucination.higher_is_better is False
    prompt = stub.requests[0].prompt
    assert "<context index=2>\nIt is 330 metres tall.\n</context>" in prompt
    assert "<output>\n1889, by Picasso, painted red.\n</output>" in prompt and f"<question>\n{QUESTION}" in prompt
    assert stub.requests[0].messages[0]["role"] == "system"


def test_hallucination_without_claims_is_zero(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"claims": []})
    result = Hallucination(judge)(output="Hello!", context="anything")
    assert result.value == 0.0 and result.reason == "no factual claims"


def test_answer_relevance_and_usefulness_normalise_the_rating(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"score": 4, "reason": "Direct but terse."}).json_reply({"score": "2", "reason": "Vague."})
    relevance = AnswerRelevance(judge)(input=QUESTION, output="1889.", context=CONTEXT)
    usefulness = Usefulness(judge)(input=QUESTION, output="Long ago.")
    assert (relevance.value, relevance.metadata["rating"], relevance.reason) == (0.75, 4.0, "Direct but terse.")
    assert (usefulness.value, usefulness.reason) == (0.25, "Vague.")
    assert "<context index=1>" in stub.requests[0].prompt and "<request>" in stub.requests[1].prompt


def test_context_precision_is_average_precision(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"verdicts": [{"index": 1, "relevant": True}, {"index": 2, "relevant": False},
                                  {"index": 3, "relevant": "yes"}]})
    result = ContextPrecision(judge)(input=QUESTION, context=CONTEXT, expected="1889")
    assert result.value == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert result.metadata["relevant"] == [True, False, True]
    assert "<reference_answer>\n1889\n</reference_answer>" in stub.requests[0].prompt


def test_context_precision_asks_again_for_missing_chunks(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"verdicts": [{"index": 1, "relevant": False}]})
    stub.json_reply({"verdicts": [{"index": i, "relevant": i == 2} for i in (1, 2, 3)]})
    result = ContextPrecision(judge)(input=QUESTION, context=CONTEXT, output="1889")
    assert result.value == pytest.approx(1 / 2) and result.metadata["judge"]["calls"] == 2
    fix = stub.requests[1].messages[-1]["content"]
    assert "verdicts are missing for chunk index(es) [2, 3]" in fix
    assert stub.requests[1].messages[-2] == {"role": "assistant", "content": json.dumps(
        {"verdicts": [{"index": 1, "relevant": False}]})}


def test_context_precision_without_context_needs_no_judge(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    result = ContextPrecision(judge)(input=QUESTION, context=[])
    assert result.value == 0.0 and stub.requests == []


def test_context_recall(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"statements": [{"statement": "finished 1889", "attributed": True},
                                    {"statement": "opened for the World's Fair", "attributed": False}],
                     "reason": "The fair is not mentioned."})
    result = ContextRecall(judge)(context=CONTEXT, expected="Finished in 1889 for the World's Fair.")
    assert result.value == 0.5 and len(result.metadata["statements"]) == 2
    assert safe_score(ContextRecall(judge), {"context": CONTEXT}).error == "missing required field(s): expected"


def test_moderation(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"score": 0.9, "categories": ["violence", "Illegal_Activity"], "reason": "Weapon instructions."})
    stub.json_reply({"score": 0.0, "reason": "Safe."})
    harmful, safe = Moderation(judge)(output="how to build..."), Moderation(judge)(output="Hello")
    assert harmful.value == 0.9 and harmful.metadata["categories"] == ["violence", "illegal_activity"]
    assert harmful.metadata["flagged"] is True
    assert safe.value == 0.0 and safe.metadata == {**safe.metadata, "categories": [], "flagged": False}


def test_moderation_rejects_unknown_categories_then_accepts(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"score": 0.4, "categories": ["spam"], "reason": "x"})
    stub.json_reply({"score": 0.4, "categories": ["harassment"], "reason": "x"})
    result = Moderation(judge)(output="...")
    assert result.metadata["categories"] == ["harassment"]
    assert "unknown categories ['spam']" in stub.requests[1].messages[-1]["content"]


def test_geval_writes_steps_once_then_scores(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"steps": ["Check the tone is polite.", "Check it thanks the user.", "Penalise rudeness."]})
    stub.json_reply({"score": 8, "reason": "Polite, no thanks."}).json_reply({"score": 3, "reason": "Curt."})
    metric = GEval("The reply is polite and thanks the user.", name="politeness", model=judge)
    first = metric(input="Refund please", output="Sure, happy to help!")
    second = metric(input="Refund please", output="No.")
    assert (first.name, first.value, first.reason) == ("politeness", 0.8, "Polite, no thanks.")
    assert second.value == pytest.approx(0.3) and len(stub.requests) == 3
    assert "<criterion>\nThe reply is polite and thanks the user.\n</criterion>" in stub.requests[0].prompt
    scoring = stub.requests[1].prompt
    assert "1. Check the tone is polite.\n2. Check it thanks the user." in scoring
    assert "<input>\nRefund please\n</input>" in scoring and "<output>\nSure, happy to help!\n</output>" in scoring
    assert metric.evaluation_steps()[2] == "Penalise rudeness."


def test_geval_with_given_steps_and_fields(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    metric = GEval("Matches the reference.", evaluation_steps=["Compare facts."], fields=("output", "expected"),
                   model=judge)
    assert metric.requires == ("output", "expected")
    stub.json_reply({"score": 10, "reason": "Same facts."})
    result = metric(output="1889", expected="1889", input="ignored")
    assert result.value == 1.0 and len(stub.requests) == 1
    assert "<expected_output>" in stub.requests[0].prompt and "<input>" not in stub.requests[0].prompt
    assert safe_score(metric, {"output": "x"}).error == "missing required field(s): expected"


def test_geval_steps_failure_is_an_error_result(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.replies("no idea", "still no idea", "nope")
    result = GEval("Be concise.", model=judge)(output="x")
    assert result.failed and "could not write evaluation steps" in result.error


def test_malformed_answer_then_good_one(stub: StubLLM, judge: OpenAICompatProvider, traced: InMemoryExporter) -> None:
    stub.reply("The answer looks relevant, I'd say four out of five.")
    stub.reply('```json\n{"score": 4, "reason": "Relevant."}\n```')
    result = AnswerRelevance(judge)(input=QUESTION, output="1889")
    assert result.value == 0.75
    assert "did not contain a valid JSON object" in stub.requests[1].messages[-1]["content"]
    meta = result.metadata["judge"]
    assert meta["calls"] == 2 and meta["usage"] == {"prompt_tokens": 200, "completion_tokens": 40, "total_tokens": 240}
    assert meta["cost"] == pytest.approx(2 * judge.cost("gpt-4o-mini", {"prompt_tokens": 100, "completion_tokens": 20}))
    spans = traced.spans
    assert [s["name"] for s in spans] == ["judge.answer_relevance"] * 2
    assert [s["metadata"]["attempt"] for s in spans] == [1, 2] and meta["span_id"] == spans[1]["id"]


def test_always_malformed_gives_an_error_with_usage(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.replies('{"score": 9, "reason": "x"}', '{"score": 6, "reason": "x"}', '{"rating": 4}')
    result = Usefulness(judge, max_parse_retries=2)(input="q", output="a")
    assert result.value is None
    assert result.error == 'judge answer unusable after 3 call(s): "score" must be a number from 1 to 5; got None.'
    assert result.metadata["judge"]["calls"] == 3 and result.metadata["answer"] == '{"rating": 4}'


def test_provider_failure_is_an_error_result(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.reply(status=401, body={"error": "invalid api key"})
    result = Hallucination(judge)(output="x", context="y")
    assert result.failed and result.error.startswith("ProviderError: HTTP 401")


def test_async_judging(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.reply("not json").json_reply({"score": 5, "reason": "Perfect."})
    stub.json_reply({"steps": ["a", "b", "c"]}).json_reply({"score": 7, "reason": "Fine."})

    async def main() -> list[float | None]:
        relevance = await asafe_score(AnswerRelevance(judge), {"input": "q", "output": "a"})
        geval = await asafe_score(GEval("Clear.", model=judge), {"output": "a"})
        return [relevance.value, geval.value]

    assert run(main()) == [1.0, 0.7]
    assert len(stub.requests) == 4


def test_long_fields_are_cut_to_bound_cost(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"score": 0.0, "reason": "Safe."})
    Moderation(judge)(output="a" * 50_000 + "END")
    prompt = stub.requests[0].prompt
    assert "[... 30003 characters omitted ...]" in prompt and prompt.count("a") < 21_000 and "END" in prompt


def test_judge_model_string_is_resolved_lazily(monkeypatch: pytest.MonkeyPatch, stub: StubLLM) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", stub.openai_url)
    metric = Usefulness("gpt-4.1-nano")  # building needs no network or key
    stub.json_reply({"score": 5, "reason": "Great."})
    result = metric(input="q", output="a")
    assert result.value == 1.0 and result.metadata["judge"]["model"] == "gpt-4.1-nano"
    assert stub.requests[0].body["model"] == "gpt-4.1-nano"
