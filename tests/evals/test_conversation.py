from __future__ import annotations

import pytest
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage, messages_to_dict

from spyglass.evals import (
    ConversationCoherence,
    GEval,
    KnowledgeRetention,
    UserFrustration,
    asafe_score,
    normalize_messages,
    thread_messages,
)
from spyglass.evals.messages import transcript
from spyglass.evals.providers import OpenAICompatProvider

from .aio import run
from .stub_llm import StubLLM

CHAT = [
    {"role": "system", "content": "You are a travel agent."},
    {"role": "user", "content": "I'm vegetarian and flying to Rome on May 3."},
    {"role": "assistant", "content": "Great! I found flights for May 3."},
    {"role": "user", "content": "Any restaurant tips?"},
    {"role": "assistant", "content": "Try the famous steakhouse near the Colosseum."},
    {"role": "user", "content": "I SAID I'm vegetarian. Again: vegetarian places please."},
    {"role": "assistant", "content": "Sorry! Here are three vegetarian restaurants."},
]


def test_normalize_openai_anthropic_and_langchain_shapes() -> None:
    openai_style = [{"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url"}]},
                    {"role": "assistant", "content": None, "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "search", "arguments": '{"q": "x"}'}}]},
                    {"role": "tool", "tool_call_id": "c1", "content": "result"}]
    assert normalize_messages({"messages": openai_style}) == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": '[calls tool search({"q": "x"})]'},
        {"role": "tool", "content": "result"},
    ]
    anthropic_style = [{"role": "user", "content": "weather?"}, {"role": "assistant", "content": [
        {"type": "text", "text": "Checking."}, {"type": "tool_use", "name": "weather", "input": {"city": "Rome"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "sunny"}]}]
    assert [m["content"] for m in normalize_messages(anthropic_style)] == [
        "weather?", 'Checking.\n[calls tool weather({"city": "Rome"})]', "sunny"]
    lc = [SystemMessage("sys"), HumanMessage("hello"), AIMessage("hey"), ToolMessage("42", tool_call_id="t")]
    expected = [{"role": "system", "content": "sys"}, {"role": "user", "content": "hello"},
                {"role": "assistant", "content": "hey"}, {"role": "tool", "content": "42"}]
    assert normalize_messages(lc) == expected
    assert normalize_messages(messages_to_dict(lc)) == expected  # {"type": "human", "data": {...}}
    assert normalize_messages([dumpd(m) for m in lc]) == expected  # {"lc": 1, "kwargs": {...}}
    assert normalize_messages([{"type": "human", "content": "x"}, {"role": "bogus", "content": "y"}, {}]) == [
        {"role": "user", "content": "x"}]
    assert normalize_messages("just text") == [{"role": "user", "content": "just text"}]


def test_thread_messages_from_traces() -> None:
    traces = [
        {"input": {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "first"}]},
         "output": {"role": "assistant", "content": "reply 1"}},
        {"input": "second", "output": {"answer": "reply 2"}},
        {"input": [{"role": "user", "content": "old"}, {"role": "assistant", "content": "x"},
                   {"role": "user", "content": "third"}], "output": None},
    ]
    assert thread_messages(traces) == [
        {"role": "user", "content": "first"}, {"role": "assistant", "content": "reply 1"},
        {"role": "user", "content": "second"}, {"role": "assistant", "content": "reply 2"},
        {"role": "user", "content": "third"},
    ]


def test_coherence_per_turn_and_overall(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"turns": [{"index": 3, "score": 5, "reason": "on topic"},
                               {"index": 5, "score": 2, "reason": "ignores vegetarian"},
                               {"index": 7, "score": 4, "reason": "recovers"}],
                     "overall": 3, "reason": "One lapse."})
    result = ConversationCoherence(judge)(messages=CHAT)
    assert result.value == 0.5 and result.reason == "One lapse."
    assert [(t["index"], t["value"]) for t in result.metadata["turns"]] == [(3, 1.0), (5, 0.25), (7, 0.75)]
    prompt = stub.requests[0].prompt
    assert "indexes [3, 5, 7]" in prompt and "[6] user: I SAID I'm vegetarian." in prompt


def test_user_frustration_counts_frustrated_user_turns(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"turns": [{"index": 2, "frustrated": False}, {"index": 4, "frustrated": False},
                               {"index": 6, "frustrated": True, "reason": "repeats and shouts"}],
                     "reason": "Frustrated once."})
    result = UserFrustration(judge)(messages=CHAT)
    assert result.value == pytest.approx(1 / 3) and UserFrustration.higher_is_better is False
    assert [t["role"] for t in result.metadata["turns"]] == ["user"] * 3
    assert result.metadata["turns"][2]["reason"] == "repeats and shouts"


def test_knowledge_retention_retries_until_every_turn_is_judged(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"turns": [{"index": 5, "retained": False}], "reason": "Forgot."})
    stub.json_reply({"turns": [{"index": 3, "retained": True}, {"index": 5, "retained": False},
                               {"index": 7, "retained": True}, {"index": 2, "retained": True}], "reason": "Forgot."})
    result = KnowledgeRetention(judge)(messages=CHAT)
    assert result.value == pytest.approx(2 / 3)
    assert [t["index"] for t in result.metadata["turns"]] == [3, 5, 7]  # the user turn (2) is ignored
    assert "message index(es) [3, 7]" in stub.requests[1].messages[-1]["content"]


def test_a_conversation_without_the_judged_role_is_an_error(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    result = KnowledgeRetention(judge)(messages=[{"role": "user", "content": "hello?"}])
    assert result.failed and "no assistant message" in result.error and stub.requests == []
    assert UserFrustration(judge)(output="x").error == "missing required field(s): messages"


def test_async_conversation_metric_and_geval_over_messages(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.json_reply({"turns": [{"index": i, "frustrated": i == 6} for i in (2, 4, 6)], "reason": "r"})
    stub.json_reply({"score": 6, "reason": "ok"})
    metric = GEval("The agent respects dietary needs.", evaluation_steps=["Check food advice."],
                   fields=("messages",), model=judge)

    async def main() -> list[float | None]:
        a = await asafe_score(UserFrustration(judge), {"messages": CHAT})
        b = await asafe_score(metric, {"messages": CHAT})
        return [a.value, b.value]

    assert run(main()) == [pytest.approx(1 / 3), 0.6]
    assert transcript(normalize_messages(CHAT)) in stub.requests[1].prompt
