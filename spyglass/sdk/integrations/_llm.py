"""Shared plumbing for wrapping LLM client calls: one span per call, streams that end it."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Iterator

from .._errors import report_internal_error
from ..context import end_span, start_span
from ..records import SpanData
from ..state import ENABLED, STATE, resolve
from ..updates import update_span


def to_plain(value: Any) -> Any:
    """Pydantic-based SDK objects as plain dicts (the serializer handles the rest)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            # warnings off: generic SDK models (e.g. a parsed completion) make pydantic warn
            return dump(exclude_unset=True, exclude_none=True, warnings=False)
        except TypeError:
            pass
        except Exception:
            return value
        try:
            return dump(exclude_unset=True, exclude_none=True)
        except Exception:
            return value
    return value


def field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def begin(name: str, provider: str, model: Any, input: Any, metadata: dict[str, Any]) -> SpanData | None:
    if STATE.mode != ENABLED and not resolve():
        return None
    try:
        span = start_span(name, "llm")
        update_span(span, input=input, model=model, provider=provider, metadata=metadata or None)
        return span
    except Exception as exc:
        report_internal_error(f"{provider}.begin", exc)
        return None


def finish(span: SpanData | None, **fields: Any) -> None:
    if span is None:
        return
    try:
        update_span(span, **{k: v for k, v in fields.items() if v is not None})
        end_span(span)
    except Exception as exc:
        report_internal_error("llm.finish", exc)


def fail(span: SpanData | None, exc: BaseException) -> None:
    if span is not None:
        finish(span, error=exc)


Collector = Callable[[Any], None]
Finisher = Callable[[BaseException | None], None]


class TracedStream:
    """Wraps an SDK stream (sync or async): sees every chunk, ends the span once at the end."""

    def __init__(self, stream: Any, on_chunk: Collector, on_end: Finisher) -> None:
        self._stream = stream
        self._on_chunk = on_chunk
        self._on_end = on_end
        self._done = False

    def _end(self, exc: BaseException | None) -> None:
        if not self._done:
            self._done = True
            self._on_end(exc)

    def _see(self, chunk: Any) -> None:
        try:
            self._on_chunk(chunk)
        except Exception as internal:
            report_internal_error("llm.chunk", internal)

    def __iter__(self) -> Iterator[Any]:
        try:
            for chunk in self._stream:
                self._see(chunk)
                yield chunk
        except BaseException as exc:
            self._end(exc if not isinstance(exc, GeneratorExit) else None)
            raise
        self._end(None)

    def __next__(self) -> Any:
        try:
            chunk = next(self._stream)
        except StopIteration:
            self._end(None)
            raise
        except BaseException as exc:
            self._end(exc)
            raise
        self._see(chunk)
        return chunk

    async def _aiter(self) -> Any:
        try:
            async for chunk in self._stream:
                self._see(chunk)
                yield chunk
        except BaseException as exc:
            self._end(exc if not isinstance(exc, GeneratorExit) else None)
            raise
        self._end(None)

    def __aiter__(self) -> Any:
        return self._aiter()

    async def __anext__(self) -> Any:
        try:
            chunk = await self._stream.__anext__()
        except StopAsyncIteration:
            self._end(None)
            raise
        except BaseException as exc:
            self._end(exc)
            raise
        self._see(chunk)
        return chunk

    def __enter__(self) -> TracedStream:
        self._stream.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        try:
            return self._stream.__exit__(*exc)
        finally:
            self._end(None)

    async def __aenter__(self) -> TracedStream:
        await self._stream.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        try:
            return await self._stream.__aexit__(*exc)
        finally:
            self._end(None)

    def close(self) -> Any:
        try:
            return self._stream.close()  # a coroutine for async streams: the caller awaits it
        finally:
            self._end(None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def patch_method(owner: Any, attr: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace ``owner.attr`` on this instance only, once (patching twice is a no-op)."""
    original = getattr(owner, attr, None)
    if original is None or getattr(original, "__spyglass_wrapped__", False):
        return
    wrapped = functools.wraps(original)(make(original))
    wrapped.__spyglass_wrapped__ = True  # type: ignore[attr-defined]
    setattr(owner, attr, wrapped)


class Call:
    """How one kind of API call maps to a span: inputs, result, and stream aggregation."""

    name = "llm"
    provider = "unknown"

    def inputs(self, kwargs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
        """(model, input, metadata) from the call's keyword arguments."""
        raise NotImplementedError

    def result(self, response: Any) -> dict[str, Any]:
        """update_span fields (output, usage, model, metadata) from a complete response."""
        raise NotImplementedError

    def accumulator(self) -> Any:
        """An object with ``add(chunk)`` and ``fields()`` for streamed responses."""
        raise NotImplementedError


def start_call(call: Call, kwargs: dict[str, Any]) -> SpanData | None:
    """Open the span of one API call (None when tracing is off or the inputs are odd)."""
    try:
        model, input, metadata = call.inputs(kwargs)
    except Exception as exc:
        report_internal_error(f"{call.name}.inputs", exc)
        return None
    return begin(call.name, call.provider, model, input, metadata)


def result_fields(call: Call, response: Any) -> dict[str, Any]:
    try:
        return call.result(response)
    except Exception as exc:
        report_internal_error(f"{call.name}.result", exc)
        return {}


def finish_call(call: Call, span: SpanData | None, response: Any, streaming: bool) -> Any:
    """End the span with the response, or hand back a stream that ends it when consumed."""
    if span is None:
        return response
    if streaming:
        acc = call.accumulator()
        return TracedStream(response, acc.add, lambda exc: finish(span, error=exc, **acc.fields()))
    finish(span, **result_fields(call, response))
    return response


async def _settle(call: Call, span: SpanData | None, pending: Any, streaming: bool) -> Any:
    try:
        response = await pending
    except BaseException as exc:
        fail(span, exc)
        raise
    return finish_call(call, span, response, streaming)


def wrap_call(call: Call, original: Callable[..., Any], is_async: bool) -> Callable[..., Any]:
    if is_async:
        async def traced_async(*args: Any, **kwargs: Any) -> Any:
            span = start_call(call, kwargs)
            try:
                response = await original(*args, **kwargs)
            except BaseException as exc:
                fail(span, exc)
                raise
            return finish_call(call, span, response, bool(kwargs.get("stream")))

        return traced_async

    def traced(*args: Any, **kwargs: Any) -> Any:
        span = start_call(call, kwargs)
        try:
            response = original(*args, **kwargs)
        except BaseException as exc:
            fail(span, exc)
            raise
        if inspect.isawaitable(response):  # async method hidden behind a sync decorator
            return _settle(call, span, response, bool(kwargs.get("stream")))
        return finish_call(call, span, response, bool(kwargs.get("stream")))

    return traced


def given(kwargs: dict[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    """Call parameters worth keeping as metadata (not the prompt, not SDK sentinels)."""
    out = {}
    for key, value in kwargs.items():
        if key in skip or key.startswith("extra_") or type(value).__name__ in ("NotGiven", "Omit"):
            continue
        out[key] = to_plain(value)
    return out
