from __future__ import annotations

import asyncio
from typing import Any

import pytest

anthropic = pytest.importorskip("anthropic")

import spyglass.sdk as sg  # noqa: E402
from spyglass.sdk.integrations.anthropic import track_anthropic  # noqa: E402
from spyglass.sdk.testing import InMemoryExporter  # noqa: E402

from .llm_stub import LLMStub  # noqa: E402

MESSAGES = [{"role": "user", "content": "salut"}]
TOOLS = [{"name": "get_weather", "description": "weather", "input_schema": {"type": "object"}}]
USAGE = {"prompt_tokens": 15, "completion_tokens": 5, "total_tokens": 20, "cached_tokens": 3, "cache_write_tokens": 2}


def client(stub: LLMStub, cls: Any = None) -> Any:
    return track_anthropic((cls or anthropic.Anthropic)(base_url=stub.url, api_key="sk-ant", max_retries=0))


def test_message_with_usage_including_cache(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    msg = client(llm_stub).messages.create(model="claude-x", max_tokens=50, system="be nice", messages=MESSAGES)
    assert msg.content[0].text == "Bonjour"
    (span,) = mem.spans
    assert span["name"] == "anthropic.messages" and span["provider"] == "anthropic" and span["model"] == "claude-x"
    assert span["input"] == {"messages": MESSAGES, "system": "be nice"}
    assert span["output"] == {"role": "assistant", "content": [{"type": "text", "text": "Bonjour"}]}
    assert span["usage"] == USAGE
    assert span["metadata"] == {"max_tokens": 50, "stop_reason": "end_turn"}


def test_tool_use(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client(llm_stub).messages.create(model="claude-x", max_tokens=50, messages=MESSAGES, tools=TOOLS)
    blocks = mem.spans[0]["output"]["content"]
    assert blocks[1] == {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}
    assert mem.spans[0]["metadata"]["stop_reason"] == "tool_use"


def test_stream_sync_and_async(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    events = list(client(llm_stub).messages.create(
        model="claude-x", max_tokens=50, messages=MESSAGES, tools=TOOLS, stream=True))
    assert events[-1].type == "message_stop"

    @sg.track
    async def run() -> int:
        c = client(llm_stub, anthropic.AsyncAnthropic)
        stream = await c.messages.create(model="claude-x", max_tokens=50, messages=MESSAGES, stream=True)
        return len([e async for e in stream])

    assert asyncio.run(run()) > 3
    sync_span, async_span, root = mem.spans
    assert sync_span["output"]["content"] == [
        {"type": "text", "text": "Bonjour"},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
    ]
    assert sync_span["usage"] == USAGE
    assert async_span["output"]["content"] == [{"type": "text", "text": "Bonjour"}]
    assert async_span["parent_span_id"] == root["id"]


def test_error(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    with pytest.raises(anthropic.BadRequestError):
        client(llm_stub).messages.create(model="fail-model", max_tokens=5, messages=MESSAGES)
    assert mem.spans[0]["error"]["type"] == "BadRequestError"


def test_stream_helper_sync_and_async(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    with client(llm_stub).messages.stream(model="claude-x", max_tokens=50, messages=MESSAGES, tools=TOOLS) as stream:
        text = "".join(stream.text_stream)
    assert text == "Bonjour"

    @sg.track
    async def run() -> str:
        c = client(llm_stub, anthropic.AsyncAnthropic)
        async with c.messages.stream(model="claude-x", max_tokens=50, messages=MESSAGES) as s:
            final = await s.get_final_message()
        return str(final.content[0].text)

    assert asyncio.run(run()) == "Bonjour"
    sync_span, async_span, root = mem.spans
    assert sync_span["name"] == "anthropic.messages" and sync_span["model"] == "claude-x"
    assert sync_span["input"]["tools"] == TOOLS
    assert sync_span["output"]["content"][0] == {"type": "text", "text": "Bonjour"}
    assert sync_span["output"]["content"][1]["input"] == {"city": "Paris"}
    assert sync_span["usage"] == USAGE and sync_span["metadata"]["stream"] is True
    assert async_span["parent_span_id"] == root["id"] and async_span["usage"] == USAGE


def test_stream_helper_left_early_still_ends_span(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    with client(llm_stub).messages.stream(model="claude-x", max_tokens=50, messages=MESSAGES) as stream:
        next(iter(stream))
    (span,) = mem.spans
    assert span["end_time"] and span["model"] == "claude-x" and "error" not in span
