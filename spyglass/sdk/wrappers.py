"""``@track`` for coroutines, generators and async generators.

A stream's span starts at the call and ends when the stream is exhausted, closed early or
fails. The span is current only while the stream's own code runs (each step), so it never
leaks into the code that iterates it.
"""

from __future__ import annotations

import functools
from typing import Any, AsyncIterator, Callable, Generator, Iterator

from ._errors import report_internal_error
from .context import CURRENT
from .decorator import Options, fail
from .records import Chunks, SpanData
from .state import ENABLED, STATE, resolve


def _start(o: Options, args: tuple[Any, ...], kwargs: dict[str, Any]) -> SpanData | None:
    if STATE.mode != ENABLED and not resolve():
        return None
    try:
        return o.begin(args, kwargs)
    except Exception as exc:
        report_internal_error("track.start", exc)
        return None


def wrap_async(f: Callable[..., Any], o: Options) -> Callable[..., Any]:
    @functools.wraps(f)
    async def traced(*args: Any, **kwargs: Any) -> Any:
        span = _start(o, args, kwargs)
        if span is None:
            return await f(*args, **kwargs)
        token = CURRENT.set(span)
        try:
            result = await f(*args, **kwargs)
        except BaseException as exc:
            CURRENT.reset(token)
            fail(span, exc)
            raise
        CURRENT.reset(token)
        o.finish(span, result)
        return result

    return traced


def wrap_gen(f: Callable[..., Iterator[Any]], o: Options) -> Callable[..., Iterator[Any]]:
    @functools.wraps(f)
    def traced(*args: Any, **kwargs: Any) -> Iterator[Any]:
        span = _start(o, args, kwargs)
        gen = f(*args, **kwargs)
        return gen if span is None else _traced_gen(gen, span, o)

    return traced


def _step(span: SpanData, method: Callable[[Any], Any], arg: Any) -> Any:
    previous = CURRENT.get()
    CURRENT.set(span)
    try:
        return method(arg)
    finally:
        CURRENT.set(previous)


def _traced_gen(gen: Generator[Any, Any, Any], span: SpanData, o: Options) -> Generator[Any, Any, Any]:
    chunks = Chunks()
    try:
        item = _step(span, gen.send, None)
        while True:
            chunks.add(item)
            try:
                sent = yield item
            except GeneratorExit:
                raise
            except BaseException as exc:
                item = _step(span, gen.throw, exc)
            else:
                item = _step(span, gen.send, sent)
    except StopIteration as stop:
        o.finish_stream(span, chunks)
        return stop.value
    except GeneratorExit:
        _step(span, lambda _: gen.close(), None)
        o.finish_stream(span, chunks)  # closed early by the consumer: not an error
        raise
    except BaseException as exc:
        fail(span, exc, chunks if o.capture_output else None)
        raise


def wrap_async_gen(f: Callable[..., AsyncIterator[Any]], o: Options) -> Callable[..., AsyncIterator[Any]]:
    @functools.wraps(f)
    def traced(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        span = _start(o, args, kwargs)
        agen = f(*args, **kwargs)
        return agen if span is None else _traced_agen(agen, span, o)

    return traced


async def _astep(span: SpanData, awaitable: Any) -> Any:
    previous = CURRENT.get()
    CURRENT.set(span)
    try:
        return await awaitable
    finally:
        CURRENT.set(previous)


async def _traced_agen(agen: Any, span: SpanData, o: Options) -> Any:
    chunks = Chunks()
    try:
        item = await _astep(span, agen.asend(None))
        while True:
            chunks.add(item)
            try:
                sent = yield item
            except GeneratorExit:
                raise
            except BaseException as exc:
                item = await _astep(span, agen.athrow(exc))
            else:
                item = await _astep(span, agen.asend(sent))
    except StopAsyncIteration:
        o.finish_stream(span, chunks)
    except GeneratorExit:
        await _astep(span, agen.aclose())
        o.finish_stream(span, chunks)
        raise
    except BaseException as exc:
        fail(span, exc, chunks if o.capture_output else None)
        raise
