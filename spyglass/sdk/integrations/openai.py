"""``track_openai(client)``: trace chat completions (``create`` and ``parse``), responses and
embeddings of an OpenAI client (sync or async, streaming or not), with model, usage, tool
calls and parameters."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, TypeVar

from ._llm import Call, field, given, patch_method, to_plain, wrap_call

C = TypeVar("C")
_SKIP = frozenset({"messages", "tools", "model", "input", "instructions", "timeout"})


def openai_usage(usage: Any) -> dict[str, Any] | None:
    """Chat (prompt/completion) and Responses (input/output) usage, in canonical names."""
    if usage is None:
        return None
    prompt = field(usage, "prompt_tokens", field(usage, "input_tokens"))
    completion = field(usage, "completion_tokens", field(usage, "output_tokens"))
    details = field(usage, "prompt_tokens_details") or field(usage, "input_tokens_details")
    out = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": field(usage, "total_tokens")}
    cached = field(details, "cached_tokens") if details is not None else None
    if cached is not None:
        out["cached_tokens"] = cached
    return {k: v for k, v in out.items() if v is not None}


class ChatCall(Call):
    name = "openai.chat"
    provider = "openai"

    def inputs(self, kwargs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
        input: dict[str, Any] = {"messages": kwargs.get("messages")}
        if kwargs.get("tools"):
            input["tools"] = kwargs["tools"]
        return kwargs.get("model"), input, given(kwargs, _SKIP)

    def result(self, response: Any) -> dict[str, Any]:
        choices = field(response, "choices") or []
        messages = [to_plain(field(c, "message")) for c in choices]
        reasons = [field(c, "finish_reason") for c in choices]
        return {
            "output": messages[0] if len(messages) == 1 else messages,
            "usage": openai_usage(field(response, "usage")),
            "model": field(response, "model"),
            "metadata": {"finish_reason": reasons[0] if len(reasons) == 1 else reasons},
        }

    def accumulator(self) -> ChatStream:
        return ChatStream()


class ParseCall(ChatCall):
    """``chat.completions.parse``: a chat completion whose answer is parsed into a model."""

    def inputs(self, kwargs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
        model, input, metadata = super().inputs(kwargs)
        fmt = kwargs.get("response_format")
        if isinstance(fmt, type):  # a pydantic class: its name says more than its repr
            metadata["response_format"] = fmt.__name__
        return model, input, metadata


class ChatStream:
    """Rebuilds the assistant message (text and tool calls) from streamed deltas."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.model: str | None = None
        self.usage: Any = None
        self.finish_reason: str | None = None

    def add(self, chunk: Any) -> None:
        self.model = field(chunk, "model") or self.model
        self.usage = field(chunk, "usage") or self.usage
        for choice in field(chunk, "choices") or []:
            if field(choice, "index", 0) != 0:
                continue
            self.finish_reason = field(choice, "finish_reason") or self.finish_reason
            delta = field(choice, "delta")
            if field(delta, "content"):
                self.text.append(field(delta, "content"))
            for tc in field(delta, "tool_calls") or []:
                self._add_tool_delta(tc)

    def _add_tool_delta(self, tc: Any) -> None:
        slot = self.tool_calls.setdefault(
            field(tc, "index", 0), {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
        )
        slot["id"] = field(tc, "id") or slot["id"]
        fn = field(tc, "function")
        if fn is not None:
            slot["function"]["name"] += field(fn, "name") or ""
            slot["function"]["arguments"] += field(fn, "arguments") or ""

    def fields(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.text)}
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        return {
            "output": message, "usage": openai_usage(self.usage), "model": self.model,
            "metadata": {"finish_reason": self.finish_reason, "stream": True},
        }


class ResponsesCall(Call):
    name = "openai.responses"
    provider = "openai"

    def inputs(self, kwargs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
        input: dict[str, Any] = {"input": kwargs.get("input")}
        for key in ("instructions", "tools"):
            if kwargs.get(key):
                input[key] = kwargs[key]
        return kwargs.get("model"), input, given(kwargs, _SKIP)

    def result(self, response: Any) -> dict[str, Any]:
        items = [to_plain(i) for i in field(response, "output") or []]
        only_messages = all(field(i, "type") == "message" for i in items)
        text = getattr(response, "output_text", None)
        return {
            "output": text if only_messages and text is not None else items,
            "usage": openai_usage(field(response, "usage")),
            "model": field(response, "model"),
            "metadata": {"status": field(response, "status"), "response_id": field(response, "id")},
        }

    def accumulator(self) -> ResponsesStream:
        return ResponsesStream(self)


class ResponsesStream:
    def __init__(self, call: ResponsesCall) -> None:
        self.call = call
        self.text: list[str] = []
        self.final: Any = None

    def add(self, event: Any) -> None:
        kind = field(event, "type")
        if kind == "response.output_text.delta":
            self.text.append(field(event, "delta") or "")
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            self.final = field(event, "response")

    def fields(self) -> dict[str, Any]:
        if self.final is not None:
            out = self.call.result(self.final)
        else:
            out = {"output": "".join(self.text)}
        out.setdefault("metadata", {})["stream"] = True
        return out


class EmbeddingsCall(Call):
    name = "openai.embeddings"
    provider = "openai"

    def inputs(self, kwargs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
        return kwargs.get("model"), {"input": kwargs.get("input")}, given(kwargs, _SKIP)

    def result(self, response: Any) -> dict[str, Any]:
        data = field(response, "data") or []
        dims = len(field(data[0], "embedding") or []) if data else 0
        return {
            "output": {"embeddings": len(data), "dimensions": dims},
            "usage": openai_usage(field(response, "usage")),
            "model": field(response, "model"),
        }


def _wrapper(call: Call, is_async: bool, original: Callable[..., Any]) -> Callable[..., Any]:
    return wrap_call(call, original, is_async)


def track_openai(client: C) -> C:
    """Trace this ``OpenAI``/``AsyncOpenAI`` (or Azure) client's calls; returns the same client."""
    targets: list[tuple[tuple[str, ...], str, Call]] = [
        (("chat", "completions"), "create", ChatCall()),
        (("chat", "completions"), "parse", ParseCall()),
        (("responses",), "create", ResponsesCall()),
        (("embeddings",), "create", EmbeddingsCall()),
    ]
    for path, attr, call in targets:
        owner: Any = client
        try:
            for part in path:
                owner = getattr(owner, part)
        except AttributeError:
            continue
        original = getattr(owner, attr, None)
        if original is None:
            continue
        is_async = inspect.iscoroutinefunction(original)
        patch_method(owner, attr, functools.partial(_wrapper, call, is_async))
    return client
