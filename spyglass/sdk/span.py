"""The context-manager form of tracing and the "current span / trace" functions."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ._errors import internal_errors, report_internal_error
from .context import CURRENT, end_span, start_span
from .handles import NOOP_SPAN, SpanHandle
from .ids import format_id
from .records import SPAN_TYPES
from .state import ENABLED, STATE, resolve
from .updates import update_span, update_trace


class span:
    """``with span("retrieve", type="retriever", input=q) as s: ...; s.update(output=docs)``.

    Works as ``async with`` too. The block's exception, if any, is recorded and re-raised.
    """

    def __init__(self, name: str, *, type: str = "general", project: str | None = None, **fields: Any) -> None:
        self._name = name
        self._type = type if type in SPAN_TYPES else "general"
        self._project = project
        self._fields = fields
        self._handle: SpanHandle | None = None
        self._token: Any = None
        self._previous: Any = None

    def __enter__(self) -> SpanHandle:
        if STATE.mode != ENABLED and not resolve():
            return NOOP_SPAN
        try:
            data = start_span(self._name, self._type, self._project)
            if self._fields:
                update_span(data, **self._fields)
            self._previous = CURRENT.get()
            self._token = CURRENT.set(data)
            self._handle = SpanHandle(data)
        except Exception as exc:
            report_internal_error("span.enter", exc)
            return NOOP_SPAN
        return self._handle

    def __exit__(self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with internal_errors("span.exit"):
            try:
                CURRENT.reset(self._token)
            except ValueError:  # exited in another context than it was entered in
                CURRENT.set(self._previous)
            if exc is not None and handle.data.error is None:
                handle.data.error = exc
            end_span(handle.data)

    async def __aenter__(self) -> SpanHandle:
        return self.__enter__()

    async def __aexit__(self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.__exit__(et, exc, tb)


def update_current_span(**fields: Any) -> None:
    """Set fields of the current span: name, type, input, output, metadata (merged), tags
    (added), model, provider, usage, cost, error, attributes, feedback_scores."""
    with internal_errors("update_current_span"):
        current = CURRENT.get()
        if current is not None and not current.anchor:
            update_span(current, **fields)


def update_current_trace(**fields: Any) -> None:
    """Set fields of the current trace: name, input, output, metadata (merged), tags (added),
    thread_id, user_id, error, feedback_scores."""
    with internal_errors("update_current_trace"):
        current = CURRENT.get()
        if current is not None:
            update_trace(current.trace, **fields)


def get_current_trace_id() -> str | None:
    current = CURRENT.get()
    return None if current is None else format_id(current.trace.id)


def get_current_span_id() -> str | None:
    current = CURRENT.get()
    if current is None or current.id is None:
        return None
    return format_id(current.id)
