"""``@track``: trace a function, coroutine, generator or async generator as a span.

Everything that can be decided once is decided when decorating; a call only creates the
span record, swaps the ContextVar, and queues the record. Arguments and return values are
kept by reference and turned into JSON later on the exporter thread.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, TypeVar, overload

from ._errors import logger, report_internal_error
from .context import CURRENT, end_span, start_span
from .records import SPAN_TYPES, ArgsInput, ArgSpec, Chunks, SpanData
from .state import ENABLED, STATE, resolve

F = TypeVar("F", bound=Callable[..., Any])


class Options:
    """A decorated function's settings, fixed at decoration time."""

    def __init__(self, fn: Callable[..., Any], name: str | None, type: str, **kw: Any) -> None:
        if type not in SPAN_TYPES:
            logger.warning("Spyglass: unknown span type %r for %s; using 'general'", type, fn)
            type = "general"
        self.name = name or getattr(fn, "__name__", "function")
        self.type = type
        self.tags: list[str] | None = list(kw["tags"]) if kw["tags"] else None
        self.metadata: dict[str, Any] | None = dict(kw["metadata"]) if kw["metadata"] else None
        self.project: str | None = kw["project"]
        self.capture_input: bool = kw["capture_input"]
        self.capture_output: bool = kw["capture_output"]
        self.input_transform: Callable[[dict[str, Any]], Any] | None = kw["input_transform"]
        self.output_transform: Callable[[Any], Any] | None = kw["output_transform"]
        self.aggregate: Callable[[list[Any]], Any] | None = kw["aggregate"]
        self.spec = arg_spec(fn)

    def begin(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> SpanData:
        span = start_span(self.name, self.type, self.project)
        if self.capture_input:
            if self.input_transform is None:
                span.input = ArgsInput(self.spec, args, kwargs)
            else:
                span.input = self.input_transform(ArgsInput(self.spec, args, kwargs).as_dict())
        if self.tags is not None:
            span.tags = self.tags
        if self.metadata is not None:
            span.metadata = self.metadata
        return span

    def finish(self, span: SpanData, result: Any) -> None:
        try:
            if self.capture_output:
                span.output = result if self.output_transform is None else self.output_transform(result)
            end_span(span)
        except Exception as exc:
            report_internal_error("track.finish", exc)

    def finish_stream(self, span: SpanData, chunks: Chunks) -> None:
        try:
            if self.capture_output:
                value: Any = chunks if self.aggregate is None else self.aggregate(list(chunks.items))
                if self.output_transform is not None:
                    value = self.output_transform(chunks.value() if value is chunks else value)
                span.output = value
            end_span(span)
        except Exception as exc:
            report_internal_error("track.finish", exc)


def fail(span: SpanData, exc: BaseException, chunks: Chunks | None = None) -> None:
    """End ``span`` with an error (keeping what a stream yielded before it failed)."""
    try:
        span.error = exc
        if chunks is not None and chunks.items and span.output is None:
            span.output = chunks
        end_span(span)
    except Exception as internal:
        report_internal_error("track.error", internal)


def arg_spec(fn: Callable[..., Any]) -> ArgSpec:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return ArgSpec((), "args", False)
    skip_first = bool(params) and params[0].name in ("self", "cls")
    if skip_first:
        params = params[1:]
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = tuple(p.name for p in params if p.kind in kinds)
    varargs = next((p.name for p in params if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
    return ArgSpec(positional, varargs, skip_first)


@overload
def track(fn: F) -> F: ...


@overload
def track(
    fn: str | None = None,
    *,
    name: str | None = None,
    type: str = "general",
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    project: str | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
    input_transform: Callable[[dict[str, Any]], Any] | None = None,
    output_transform: Callable[[Any], Any] | None = None,
    aggregate: Callable[[list[Any]], Any] | None = None,
) -> Callable[[F], F]: ...


def track(fn: Any = None, *, name: str | None = None, type: str = "general", **kw: Any) -> Any:
    """Trace calls of a function as spans; nested tracked calls become child spans.

    ``@track`` or ``@track(name=..., type="llm", tags=[...], metadata={...}, project=...,
    capture_input=True, capture_output=True, input_transform=fn(dict), output_transform=fn(value),
    aggregate=fn(list))``. For generators the span ends when the stream ends; its output is
    the yielded items (joined when they are all strings, or ``aggregate(items)``).
    """
    if isinstance(fn, str):
        name, fn = fn, None
    defaults: dict[str, Any] = dict(
        tags=None, metadata=None, project=None, capture_input=True, capture_output=True,
        input_transform=None, output_transform=None, aggregate=None,
    )
    unknown = set(kw) - set(defaults)
    if unknown:
        raise TypeError(f"track() got unexpected options {sorted(unknown)}")
    defaults.update(kw)

    def decorate(f: Any) -> Any:
        if isinstance(f, (classmethod, staticmethod)):
            return type_of(f)(decorate(f.__func__))
        try:
            opts = Options(f, name, type, **defaults)
        except Exception as exc:
            report_internal_error("track.decorate", exc)
            return f
        from . import wrappers

        if inspect.isasyncgenfunction(f):
            return wrappers.wrap_async_gen(f, opts)
        if inspect.iscoroutinefunction(f):
            return wrappers.wrap_async(f, opts)
        if inspect.isgeneratorfunction(f):
            return wrappers.wrap_gen(f, opts)
        return wrap_sync(f, opts)

    return decorate(fn) if fn is not None else decorate


def type_of(value: Any) -> Any:
    return value.__class__


def wrap_sync(f: Callable[..., Any], o: Options) -> Callable[..., Any]:
    begin, finish, set_current, reset_current = o.begin, o.finish, CURRENT.set, CURRENT.reset

    @functools.wraps(f)
    def traced(*args: Any, **kwargs: Any) -> Any:
        if STATE.mode != ENABLED and not resolve():
            return f(*args, **kwargs)
        try:
            span = begin(args, kwargs)
        except Exception as exc:
            report_internal_error("track.start", exc)
            return f(*args, **kwargs)
        token = set_current(span)
        try:
            result = f(*args, **kwargs)
        except BaseException as exc:
            reset_current(token)
            fail(span, exc)
            raise
        reset_current(token)
        finish(span, result)
        return result

    return traced
