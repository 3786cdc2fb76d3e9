from __future__ import annotations

import asyncio

import pytest

import spyglass.sdk as sg
from spyglass.sdk.testing import InMemoryExporter


def test_span_context_manager_nests_with_track(mem: InMemoryExporter) -> None:
    @sg.track
    def inner() -> int:
        return 1

    with sg.span("outer", type="retriever", input={"q": "hi"}, tags=["a"]) as s:
        tid = sg.get_current_trace_id()
        assert tid == s.trace_id and sg.get_current_span_id() == s.id
        inner()
        s.update(output=["doc"], metadata={"k": 1})
    assert sg.get_current_trace_id() is None
    outer = next(x for x in mem.spans if x["name"] == "outer")
    child = next(x for x in mem.spans if x["name"] == "inner")
    assert child["parent_span_id"] == outer["id"]
    assert outer["type"] == "retriever" and outer["input"] == {"q": "hi"} and outer["output"] == ["doc"]
    assert outer["tags"] == ["a"] and outer["metadata"] == {"k": 1}
    assert mem.traces[0]["id"] == tid and mem.traces[0]["name"] == "outer"


def test_span_records_exception(mem: InMemoryExporter) -> None:
    with pytest.raises(RuntimeError):
        with sg.span("fails"):
            raise RuntimeError("bad")
    assert mem.spans[0]["error"]["message"] == "bad"


def test_async_with_span(mem: InMemoryExporter) -> None:
    async def main() -> None:
        async with sg.span("a") as s:
            await asyncio.sleep(0)
            s.update(output="done")

    asyncio.run(main())
    assert mem.spans[0]["output"] == "done"


def test_update_current_span_and_trace(mem: InMemoryExporter) -> None:
    @sg.track(type="llm", metadata={"fixed": True})
    def llm_call() -> str:
        sg.update_current_span(
            model="gpt-4o-mini", provider="openai", cost=0.0012,
            usage={"prompt_tokens": 10, "completion_tokens": 5, "cached_tokens": 2, "bogus": "x"},
            metadata={"temperature": 0.2}, tags=["fast"], name="chat",
            feedback_scores=[{"name": "relevance", "value": 0.8, "reason": "ok"}],
        )
        sg.update_current_trace(
            thread_id="conv-1", user_id="u-42", metadata={"env": "prod"}, tags=["beta"],
            feedback_scores=[{"name": "thumbs", "label": "up"}],
        )
        return "hello"

    llm_call()
    llm_call()  # the shared option metadata is not changed by the first call's update
    span = mem.spans[0]
    assert span["name"] == "chat" and span["model"] == "gpt-4o-mini" and span["provider"] == "openai"
    assert span["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "cached_tokens": 2, "total_tokens": 15}
    assert span["cost"] == 0.0012
    assert span["metadata"] == {"fixed": True, "temperature": 0.2}
    assert span["tags"] == ["fast"]
    trace = mem.traces[0]
    assert trace["thread_id"] == "conv-1" and trace["user_id"] == "u-42"
    assert trace["metadata"] == {"env": "prod"} and trace["tags"] == ["beta"]
    scores = mem.scores[:2]
    assert scores[0] == {"target": "span", "target_id": span["id"], "name": "relevance", "value": 0.8,
                         "reason": "ok", "source": "sdk"}
    assert scores[1] == {"target": "trace", "target_id": trace["id"], "name": "thumbs", "label": "up", "source": "sdk"}


def test_updates_outside_a_span_are_ignored(mem: InMemoryExporter) -> None:
    sg.update_current_span(output=1)
    sg.update_current_trace(user_id="x")
    assert sg.get_current_trace_id() is None and mem.records == []


def test_internal_errors_never_reach_user_code_outside_tests(
    mem: InMemoryExporter, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SPYGLASS_RAISE_INTERNAL_ERRORS", "0")

    def broken_transform(d: dict[str, object]) -> object:
        raise ZeroDivisionError("bug in hook")

    @sg.track(input_transform=broken_transform)
    def f() -> int:
        return 7

    assert f() == 7  # the span is lost, the call is not
    sg.update_current_span(usage=object())  # nothing current: no error either
    assert "internal error" in caplog.text


def test_internal_errors_raise_under_pytest(mem: InMemoryExporter) -> None:
    @sg.track(input_transform=lambda d: 1 / 0)
    def f() -> int:
        return 7

    with pytest.raises(ZeroDivisionError):
        f()
