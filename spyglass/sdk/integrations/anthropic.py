"""``track_anthropic(client)``: trace ``messages.create`` and the ``messages.stream()`` helper
of an Anthropic client (sync or async, streaming or not), with model, usage (cache reads and
writes included), tool use."""

from __future__ import annotations

import inspect
import json
from typing import Any, TypeVar

from ..records import SpanData
from ._llm import Call, fail, field, finish, given, patch_method, result_fields, start_call, to_plain, wrap_call

C = TypeVar("C")
_SKIP = frozenset({"messages", "tools", "model", "system", "timeout"})


def anthropic_usage(usage: Any) -> dict[str, Any] | None:
    """Anthropic counts cache reads/writes apart from ``input_tokens``; Spyglass's
    ``prompt_tokens`` counts every input token, cached ones included."""
    if usage is None:
        return None
    fresh = field(usage, "input_tokens") or 0
    read = field(usage, "cache_read_input_tokens") or 0
    written = field(usage, "cache_creation_input_tokens") or 0
    output = field(usage, "output_tokens") or 0
    out = {"prompt_tokens": fresh + read + written, "completion_tokens": output,
           "total_tokens": fresh + read + written + output}
    if read:
        out["cached_tokens"] = read
    if written:
        out["cache_write_tokens"] = written
    return out


class MessagesCall(Call):
    name = "anthropic.messages"
    provider = "anthropic"

    def inputs(self, kwargs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
        input: dict[str, Any] = {"messages": kwargs.get("messages")}
        for key in ("system", "tools"):
            if kwargs.get(key):
                input[key] = kwargs[key]
        return kwargs.get("model"), input, given(kwargs, _SKIP)

    def result(self, response: Any) -> dict[str, Any]:
        return {
            "output": {"role": "assistant", "content": [to_plain(b) for b in field(response, "content") or []]},
            "usage": anthropic_usage(field(response, "usage")),
            "model": field(response, "model"),
            "metadata": {"stop_reason": field(response, "stop_reason")},
        }

    def accumulator(self) -> MessageStream:
        return MessageStream()


class MessageStream:
    """Rebuilds the message from stream events: text blocks, tool-use blocks, usage."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.blocks: dict[int, dict[str, Any]] = {}
        self.json_parts: dict[int, list[str]] = {}
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None

    def add(self, event: Any) -> None:
        kind = field(event, "type")
        if kind == "message_start":
            message = field(event, "message")
            self.model = field(message, "model")
            self.usage.update(to_plain(field(message, "usage")) or {})
        elif kind == "content_block_start":
            self.blocks[field(event, "index")] = dict(to_plain(field(event, "content_block")))
        elif kind == "content_block_delta":
            self._delta(field(event, "index"), field(event, "delta"))
        elif kind == "message_delta":
            self.stop_reason = field(field(event, "delta"), "stop_reason")
            self.usage.update({k: v for k, v in (to_plain(field(event, "usage")) or {}).items() if v is not None})

    def _delta(self, index: int, delta: Any) -> None:
        block = self.blocks.setdefault(index, {"type": "text", "text": ""})
        if field(delta, "type") == "text_delta":
            block["text"] = block.get("text", "") + (field(delta, "text") or "")
        elif field(delta, "type") == "input_json_delta":
            self.json_parts.setdefault(index, []).append(field(delta, "partial_json") or "")

    def fields(self) -> dict[str, Any]:
        for index, parts in self.json_parts.items():
            text = "".join(parts)
            try:
                self.blocks[index]["input"] = json.loads(text) if text else {}
            except ValueError:
                self.blocks[index]["input"] = text
        content = [self.blocks[i] for i in sorted(self.blocks)]
        return {
            "output": {"role": "assistant", "content": content},
            "usage": anthropic_usage(self.usage), "model": self.model,
            "metadata": {"stop_reason": self.stop_reason, "stream": True},
        }


class TracedStreamManager:
    """Wraps what ``messages.stream(...)`` returns: the span covers the ``with`` block.

    The SDK's own stream keeps a snapshot of the message built so far, so the span gets the
    same output however the block reads the stream (events, ``text_stream``,
    ``get_final_message()``) or if it leaves early.
    """

    def __init__(self, manager: Any, kwargs: dict[str, Any]) -> None:
        self._manager = manager
        self._kwargs = kwargs
        self._call = MessagesCall()
        self._span: SpanData | None = None
        self._stream: Any = None

    def _opened(self, stream: Any) -> Any:
        self._stream = stream
        return stream

    def _end(self, exc: BaseException | None) -> None:
        span, self._span = self._span, None
        if span is None:
            return
        snapshot = _snapshot(self._stream)
        fields = result_fields(self._call, snapshot) if snapshot is not None else {}
        fields.setdefault("metadata", {})["stream"] = True
        finish(span, error=exc, **fields)

    def __enter__(self) -> Any:
        self._span = start_call(self._call, self._kwargs)
        try:
            return self._opened(self._manager.__enter__())
        except BaseException as exc:
            fail(self._span, exc)
            self._span = None
            raise

    def __exit__(self, et: Any, exc: BaseException | None, tb: Any) -> Any:
        try:
            return self._manager.__exit__(et, exc, tb)
        finally:
            self._end(exc)

    async def __aenter__(self) -> Any:
        self._span = start_call(self._call, self._kwargs)
        try:
            return self._opened(await self._manager.__aenter__())
        except BaseException as exc:
            fail(self._span, exc)
            self._span = None
            raise

    async def __aexit__(self, et: Any, exc: BaseException | None, tb: Any) -> Any:
        try:
            return await self._manager.__aexit__(et, exc, tb)
        finally:
            self._end(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)


def _snapshot(stream: Any) -> Any:
    try:
        return stream.current_message_snapshot  # asserts when no event came yet
    except Exception:
        return None


def _wrap_stream_helper(original: Any) -> Any:
    def stream(*args: Any, **kwargs: Any) -> Any:
        return TracedStreamManager(original(*args, **kwargs), kwargs)

    return stream


def track_anthropic(client: C) -> C:
    """Trace this ``Anthropic``/``AsyncAnthropic`` client's ``messages.create`` and
    ``messages.stream``; returns it."""
    messages = getattr(client, "messages", None)
    original = getattr(messages, "create", None)
    if original is not None:
        is_async = inspect.iscoroutinefunction(original)
        patch_method(messages, "create", lambda orig: wrap_call(MessagesCall(), orig, is_async))
    if getattr(messages, "stream", None) is not None:
        patch_method(messages, "stream", _wrap_stream_helper)
    return client
