from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import spyglass.sdk as sg
from spyglass.sdk.testing import InMemoryExporter


@sg.track
def work(i: int) -> int:
    return i


def test_plain_thread_starts_a_new_trace_but_wrap_context_keeps_the_parent(mem: InMemoryExporter) -> None:
    @sg.track
    def parent() -> None:
        t1 = threading.Thread(target=work, args=(1,))
        t2 = threading.Thread(target=sg.wrap_context(work), args=(2,))
        for t in (t1, t2):
            t.start()
            t.join()

    parent()
    spans = {s["input"]["i"] if s["name"] == "work" else "parent": s for s in mem.spans}
    root = spans["parent"]
    assert "parent_span_id" not in spans[1] and spans[1]["trace_id"] != root["trace_id"]
    assert spans[2]["parent_span_id"] == root["id"] and spans[2]["trace_id"] == root["trace_id"]


def test_context_thread_pool_and_one_wrapped_function_in_many_threads(mem: InMemoryExporter) -> None:
    @sg.track
    def parent() -> list[int]:
        with sg.ContextThreadPoolExecutor(4) as pool:
            first = list(pool.map(work, range(8)))
        wrapped = sg.wrap_context(work)
        with ThreadPoolExecutor(4) as pool:
            second = list(pool.map(wrapped, range(8, 16)))
        return first + second

    assert parent() == list(range(16))
    root = next(s for s in mem.spans if s["name"] == "parent")
    children = [s for s in mem.spans if s["name"] == "work"]
    assert len(children) == 16
    assert all(c["parent_span_id"] == root["id"] and c["trace_id"] == root["trace_id"] for c in children)


def test_asyncio_tasks_and_to_thread_inherit_the_span(mem: InMemoryExporter) -> None:
    @sg.track
    async def parent() -> None:
        await asyncio.gather(asyncio.create_task(asyncio.to_thread(work, 1)), asyncio.to_thread(work, 2))
        task = asyncio.get_running_loop().create_task(aw(3))
        await task

    @sg.track
    async def aw(i: int) -> int:
        return work(i)

    asyncio.run(parent())
    root = next(s for s in mem.spans if s["name"] == "parent")
    aw_span = next(s for s in mem.spans if s["name"] == "aw")
    works = {s["input"]["i"]: s for s in mem.spans if s["name"] == "work"}
    assert works[1]["parent_span_id"] == root["id"] == works[2]["parent_span_id"]
    assert aw_span["parent_span_id"] == root["id"]
    assert works[3]["parent_span_id"] == aw_span["id"]


def test_concurrent_traces_in_threads_do_not_mix(mem: InMemoryExporter) -> None:
    @sg.track
    def root(i: int) -> int:
        return work(i)

    threads = [threading.Thread(target=root, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(mem.traces) == 8
    roots = {s["id"]: s for s in mem.spans if s["name"] == "root"}
    for child in (s for s in mem.spans if s["name"] == "work"):
        parent = roots[child["parent_span_id"]]
        assert parent["input"]["i"] == child["input"]["i"]
        assert parent["trace_id"] == child["trace_id"]
