from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

import spyglass.sdk as sg
from spyglass.sdk.testing import InMemoryExporter


def by_name(mem: InMemoryExporter) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in mem.spans}


def test_single_call_makes_a_trace_and_a_root_span(mem: InMemoryExporter) -> None:
    @sg.track
    def add(a: int, b: int = 2) -> int:
        return a + b

    assert add(1, b=5) == 6
    assert mem.spans == [
        {
            "id": "00000000-0000-0000-0000-000000000002",
            "trace_id": "00000000-0000-0000-0000-000000000001",
            "name": "add",
            "type": "general",
            "start_time": "2026-01-01T00:00:00.000000Z",
            "end_time": "2026-01-01T00:00:00.001000Z",
            "input": {"a": 1, "b": 5},
            "output": 6,
        }
    ]
    assert mem.traces == [
        {
            "id": "00000000-0000-0000-0000-000000000001",
            "name": "add",
            "start_time": "2026-01-01T00:00:00.000000Z",
            "end_time": "2026-01-01T00:00:00.001000Z",
            "input": {"a": 1, "b": 5},
            "output": 6,
        }
    ]


def test_nested_calls_build_a_tree(mem: InMemoryExporter) -> None:
    @sg.track(type="tool")
    def leaf(x: int) -> int:
        return x * 2

    @sg.track(name="middle-step", type="chain")
    def middle(x: int) -> int:
        return leaf(x) + leaf(x + 1)

    @sg.track(type="agent")
    def top(x: int) -> int:
        return middle(x)

    assert top(1) == 6
    spans = mem.spans
    assert [s["name"] for s in spans] == ["leaf", "leaf", "middle-step", "top"]
    names = by_name(mem)
    assert "parent_span_id" not in names["top"]
    assert names["middle-step"]["parent_span_id"] == names["top"]["id"]
    assert all(s["parent_span_id"] == names["middle-step"]["id"] for s in spans[:2])
    assert {s["trace_id"] for s in spans} == {mem.traces[0]["id"]}
    assert [s["type"] for s in spans] == ["tool", "tool", "chain", "agent"]
    assert len(mem.traces) == 1
    for s in spans:
        assert s["start_time"] < s["end_time"]


def test_sequential_roots_are_separate_traces(mem: InMemoryExporter) -> None:
    @sg.track
    def f() -> None:
        return None

    f()
    f()
    assert len(mem.traces) == 2
    assert len({s["trace_id"] for s in mem.spans}) == 2
    assert "output" not in mem.spans[0]


def test_exception_is_recorded_and_reraised(mem: InMemoryExporter) -> None:
    @sg.track
    def boom() -> None:
        raise KeyError("nope")

    with pytest.raises(KeyError):
        boom()
    err = mem.spans[0]["error"]
    assert err["type"] == "KeyError"
    assert err["message"] == "'nope'"
    assert "in boom" in err["traceback"]
    assert mem.traces[0]["error"]["type"] == "KeyError"
    assert sg.get_current_trace_id() is None


def test_options_tags_metadata_project_capture(mem: InMemoryExporter) -> None:
    @sg.track(tags=["t1"], metadata={"env": "test"}, project="proj-x", capture_input=False)
    def secret(password: str) -> str:
        return "ok"

    @sg.track(capture_output=False)
    def hidden() -> str:
        return "secret"

    secret("hunter2")
    hidden()
    first, second = mem.spans
    assert "input" not in first and first["output"] == "ok"
    assert first["tags"] == ["t1"] and first["metadata"] == {"env": "test"}
    assert first["project"] == "proj-x" and mem.traces[0]["project"] == "proj-x"
    assert "output" not in second and "project" not in second


def test_transform_hooks(mem: InMemoryExporter) -> None:
    @sg.track(
        input_transform=lambda d: {k: v for k, v in d.items() if k != "api_key"},
        output_transform=lambda r: {"length": len(r)},
    )
    def call(prompt: str, api_key: str) -> str:
        return prompt.upper()

    assert call("hello", api_key="sk-1") == "HELLO"
    assert mem.spans[0]["input"] == {"prompt": "hello"}
    assert mem.spans[0]["output"] == {"length": 5}


def test_methods_drop_self_and_cls(mem: InMemoryExporter) -> None:
    class Bot:
        @sg.track
        def answer(self, q: str) -> str:
            return q[::-1]

        @classmethod
        @sg.track
        def make(cls, n: int) -> int:
            return n

        @sg.track
        @staticmethod
        def helper(x: int) -> int:
            return x

    assert Bot().answer("abc") == "cba"
    assert Bot.make(3) == 3
    assert Bot.helper(4) == 4
    assert [s["input"] for s in mem.spans] == [{"q": "abc"}, {"n": 3}, {"x": 4}]


def test_varargs_and_kwargs(mem: InMemoryExporter) -> None:
    @sg.track
    def f(a: int, *rest: int, **extra: Any) -> int:
        return a

    f(1, 2, 3, z=4)
    assert mem.spans[0]["input"] == {"a": 1, "rest": [2, 3], "z": 4}


def test_async_function_nesting(mem: InMemoryExporter) -> None:
    @sg.track
    async def child(i: int) -> int:
        await asyncio.sleep(0.001)
        return i

    @sg.track
    async def parent() -> list[int]:
        return list(await asyncio.gather(child(1), child(2), child(3)))

    assert asyncio.run(parent()) == [1, 2, 3]
    names = [s["name"] for s in mem.spans]
    assert names.count("child") == 3
    root = by_name(mem)["parent"]
    assert all(s["parent_span_id"] == root["id"] for s in mem.spans if s["name"] == "child")
    assert root["output"] == [1, 2, 3]


def test_generator_span_ends_when_stream_ends(mem: InMemoryExporter) -> None:
    @sg.track
    def inner() -> str:
        return "x"

    @sg.track(type="llm")
    def stream(n: int) -> Any:
        for i in range(n):
            inner()
            yield f"tok{i} "

    gen = stream(3)
    assert mem.spans == []  # not finished before the stream is consumed
    assert sg.get_current_trace_id() is None  # the span does not leak into the consumer
    assert list(gen) == ["tok0 ", "tok1 ", "tok2 "]
    spans = by_name(mem)
    assert spans["stream"]["output"] == "tok0 tok1 tok2 "
    assert spans["inner"]["parent_span_id"] == spans["stream"]["id"]
    assert mem.traces[0]["output"] == "tok0 tok1 tok2 "


def test_generator_closed_early_and_failing(mem: InMemoryExporter) -> None:
    @sg.track
    def numbers() -> Any:
        yield 1
        yield 2
        yield 3

    @sg.track
    def broken() -> Any:
        yield {"a": 1}
        raise ValueError("mid-stream")

    for n in numbers():
        if n == 2:
            break
    with pytest.raises(ValueError):
        list(broken())
    first, second = mem.spans
    assert first["output"] == [1, 2] and "error" not in first
    assert second["output"] == [{"a": 1}] and second["error"]["type"] == "ValueError"


def test_generator_send_and_return_value(mem: InMemoryExporter) -> None:
    @sg.track
    def echo() -> Any:
        got = yield "ready"
        yield f"got {got}"
        return "done"

    gen = echo()
    assert next(gen) == "ready"
    assert gen.send("x") == "got x"
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"
    assert mem.spans[0]["output"] == "readygot x"


def test_async_generator_with_aggregate(mem: InMemoryExporter) -> None:
    @sg.track(aggregate=lambda items: sum(items))
    async def agen(n: int) -> Any:
        for i in range(n):
            await asyncio.sleep(0)
            yield i

    async def main() -> list[int]:
        return [i async for i in agen(5)]

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]
    assert mem.spans[0]["output"] == 10


def test_async_generator_closed_early(mem: InMemoryExporter) -> None:
    @sg.track
    async def agen() -> Any:
        for i in range(10):
            yield str(i)

    async def main() -> None:
        g = agen()
        async for item in g:
            if item == "2":
                break
        await g.aclose()

    asyncio.run(main())
    assert mem.spans[0]["output"] == "012"


def test_disabled_tracing_calls_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPYGLASS_DISABLED", "true")
    sg.init()

    @sg.track
    def f(x: int) -> int:
        assert sg.get_current_trace_id() is None
        return x + 1

    assert f(1) == 2
    with sg.span("block") as s:
        s.update(output=1)
    assert sg.flush(0.1).ok


def test_unknown_span_type_falls_back(mem: InMemoryExporter) -> None:
    @sg.track(type="banana")
    def f() -> int:
        return 1

    f()
    assert mem.spans[0]["type"] == "general"


def test_bad_option_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        sg.track(colour="red")  # type: ignore[call-overload]


@dataclasses.dataclass
class Doc:
    title: str
    score: float


def test_complex_values_are_serialized(mem: InMemoryExporter) -> None:
    @sg.track
    def f(doc: Doc, blob: bytes, tags: set[str]) -> Doc:
        return doc

    f(Doc("a", 0.5), b"\x00" * 10, {"x"})
    span = mem.spans[0]
    assert span["input"] == {"doc": {"title": "a", "score": 0.5}, "blob": "<10 bytes>", "tags": ["x"]}
    assert span["output"] == {"title": "a", "score": 0.5}
