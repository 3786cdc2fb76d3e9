"""Handles for spans and traces that user code starts and ends itself."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from . import ids
from ._errors import internal_errors
from .context import CURRENT, end_span, submit_score
from .records import SPAN_TYPES, ScoreData, SpanData, TraceData
from .updates import update_span, update_trace


def child_span(trace: TraceData, parent_id: Any, name: str, type: str) -> SpanData:
    now = ids.now_ns()
    return SpanData(ids.new_id(now), trace, parent_id, name, type if type in SPAN_TYPES else "general", now)


class _Scoped:
    """``with handle:`` makes it current for nested ``@track`` calls and ends it at exit."""

    _token: Any = None

    def _context_span(self) -> SpanData:
        raise NotImplementedError

    def end(self, **fields: Any) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        self._token = CURRENT.set(self._context_span())
        return self

    def __exit__(self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with internal_errors("handle.exit"):
            CURRENT.reset(self._token)
        self.end(**({"error": exc} if exc is not None else {}))


class SpanHandle(_Scoped):
    def __init__(self, data: SpanData) -> None:
        self.data = data
        self._ended = False

    @property
    def id(self) -> str:
        return ids.format_id(self.data.id)  # type: ignore[arg-type]

    @property
    def trace_id(self) -> str:
        return ids.format_id(self.data.trace.id)

    def _context_span(self) -> SpanData:
        return self.data

    def update(self, **fields: Any) -> None:
        """Same fields as :func:`update_current_span`."""
        with internal_errors("span.update"):
            update_span(self.data, **fields)

    def span(self, name: str, *, type: str = "general", **fields: Any) -> SpanHandle:
        """A child span, started now; end it with ``.end()`` or use it in a ``with`` block."""
        with internal_errors("span.span"):
            child = SpanHandle(child_span(self.data.trace, self.data.id, name, type))
            if fields:
                update_span(child.data, **fields)
            return child
        return NOOP_SPAN

    def score(self, name: str, value: float | None = None, *, label: str | None = None, reason: str | None = None) -> None:
        with internal_errors("span.score"):
            submit_score(self.data.trace, ScoreData("span", self.data.id, name, value, label, reason))  # type: ignore[arg-type]

    def end(self, **fields: Any) -> None:
        with internal_errors("span.end"):
            if self._ended:
                return
            self._ended = True
            if fields:
                update_span(self.data, **fields)
            end_span(self.data)


class _NoopSpan(SpanHandle):
    """Returned when tracing is disabled: every method does nothing."""

    def __init__(self) -> None:
        self._ended = True

    @property
    def id(self) -> str:
        return ""

    @property
    def trace_id(self) -> str:
        return ""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def update(self, **fields: Any) -> None:
        return None

    def span(self, name: str, *, type: str = "general", **fields: Any) -> SpanHandle:
        return self

    def score(self, name: str, value: float | None = None, *, label: str | None = None, reason: str | None = None) -> None:
        return None


NOOP_SPAN = _NoopSpan()


class TraceHandle(_Scoped):
    def __init__(self, data: TraceData) -> None:
        self.data = data
        self._anchor = SpanData(None, data, None, data.name or "", "general", data.start_ns)
        self._anchor.anchor = True
        self._ended = False

    @property
    def id(self) -> str:
        return ids.format_id(self.data.id)

    def _context_span(self) -> SpanData:
        return self._anchor

    def update(self, **fields: Any) -> None:
        """Same fields as :func:`update_current_trace`."""
        with internal_errors("trace.update"):
            update_trace(self.data, **fields)

    def span(self, name: str, *, type: str = "general", **fields: Any) -> SpanHandle:
        with internal_errors("trace.span"):
            child = SpanHandle(child_span(self.data, None, name, type))
            if fields:
                update_span(child.data, **fields)
            return child
        return NOOP_SPAN

    def score(self, name: str, value: float | None = None, *, label: str | None = None, reason: str | None = None) -> None:
        with internal_errors("trace.score"):
            submit_score(self.data, ScoreData("trace", self.data.id, name, value, label, reason))

    def end(self, **fields: Any) -> None:
        with internal_errors("trace.end"):
            if self._ended:
                return
            self._ended = True
            if fields:
                update_trace(self.data, **fields)
            self.data.end_ns = ids.now_ns()
            self.data.sink.submit(self.data)
