"""The current span, carried by a ContextVar, and how spans start and end.

Nesting follows ``contextvars``: asyncio tasks inherit the span that was current when they
were created; plain threads start empty, so work handed to a thread keeps its parent only
through :func:`wrap_context` or :class:`ContextThreadPoolExecutor`.
"""

from __future__ import annotations

import contextvars
import functools
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from . import ids
from .records import ScoreData, SpanData, TraceData
from .state import STATE

T = TypeVar("T")

CURRENT: contextvars.ContextVar[SpanData | None] = contextvars.ContextVar("spyglass_span", default=None)


def current_span() -> SpanData | None:
    return CURRENT.get()


def start_span(name: str, type: str, project: str | None = None) -> SpanData:
    """A new span under the current one, or the root of a new trace."""
    return start_span_under(CURRENT.get(), name, type, project)


def start_span_under(parent: SpanData | None, name: str, type: str, project: str | None = None) -> SpanData:
    """Like :func:`start_span` with an explicit parent (for callback-style integrations)."""
    now = ids.now_ns()
    if parent is None:
        trace = TraceData(ids.new_id(now), project or STATE.project, now, STATE.sink)
        trace.name = name
        span = SpanData(ids.new_id(now), trace, None, name, type, now)
        trace.root = span
        return span
    return SpanData(ids.new_id(now), parent.trace, parent.id, name, type, now)


def end_span(span: SpanData) -> None:
    span.end_ns = end = ids.now_ns()
    trace = span.trace
    trace.sink.submit(span)
    if trace.root is span:
        trace.end_ns = end
        if trace.input is None:
            trace.input = span.input
        if trace.output is None:
            trace.output = span.output
        if trace.error is None:
            trace.error = span.error
        if trace.tags is None:
            trace.tags = span.tags
        trace.sink.submit(trace)


def submit_score(trace: TraceData, score: ScoreData) -> None:
    if score.project is None:
        score.project = trace.project
    trace.sink.submit(score)


def wrap_context(fn: Callable[..., T]) -> Callable[..., T]:
    """Bind ``fn`` to the current context, to run it in another thread under the current span.

    Each call runs in its own copy, so one wrapped function may run in many threads at once.
    """
    captured = contextvars.copy_context()

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> T:
        return captured.copy().run(fn, *args, **kwargs)

    return run


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose tasks run under the span current at ``submit`` time."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        ctx = contextvars.copy_context()
        return super().submit(ctx.run, fn, *args, **kwargs)
