from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

openai = pytest.importorskip("openai")

import spyglass.sdk as sg  # noqa: E402
from spyglass.sdk.integrations.openai import track_openai  # noqa: E402
from spyglass.sdk.testing import InMemoryExporter  # noqa: E402

from .llm_stub import LLMStub  # noqa: E402

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
MESSAGES = [{"role": "user", "content": "hi"}]


def sync_client(stub: LLMStub) -> Any:
    return track_openai(openai.OpenAI(base_url=stub.url + "/v1", api_key="sk-test", max_retries=0))


def async_client(stub: LLMStub) -> Any:
    return track_openai(openai.AsyncOpenAI(base_url=stub.url + "/v1", api_key="sk-test", max_retries=0))


def test_chat_completion(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client = sync_client(llm_stub)
    resp = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, temperature=0.3)
    assert resp.choices[0].message.content == "Hello!"
    (span,) = mem.spans
    assert span["name"] == "openai.chat" and span["type"] == "llm" and span["provider"] == "openai"
    assert span["model"] == "gpt-4o-mini-2024"
    assert span["input"] == {"messages": MESSAGES}
    assert span["output"] == {"role": "assistant", "content": "Hello!"}
    assert span["usage"] == {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15, "cached_tokens": 4}
    assert span["metadata"] == {"temperature": 0.3, "finish_reason": "stop"}


def test_chat_tool_calls_nested_under_track(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client = sync_client(llm_stub)

    @sg.track(type="agent")
    def agent() -> str:
        r = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, tools=TOOLS)
        return r.choices[0].message.tool_calls[0].function.name

    assert agent() == "get_weather"
    llm, root = mem.spans
    assert llm["parent_span_id"] == root["id"] and llm["trace_id"] == root["trace_id"]
    assert llm["input"]["tools"] == TOOLS
    call = llm["output"]["tool_calls"][0]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert llm["metadata"]["finish_reason"] == "tool_calls"


def test_chat_stream_aggregates_text_tools_and_usage(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client = sync_client(llm_stub)
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    assert mem.spans == []
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Hello!"
    span = mem.spans[0]
    assert span["output"] == {"role": "assistant", "content": "Hello!"}
    assert span["usage"]["total_tokens"] == 15 and span["metadata"]["stream"] is True

    with client.chat.completions.create(model="gpt-4o", messages=MESSAGES, tools=TOOLS, stream=True) as s:
        for _ in s:
            pass
    tool_span = mem.spans[1]
    (call,) = tool_span["output"]["tool_calls"]
    assert call["id"] == "call_1" and json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert tool_span["metadata"]["finish_reason"] == "tool_calls"


def test_async_chat_and_stream(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client = async_client(llm_stub)

    @sg.track
    async def run() -> str:
        r = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        stream = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        return r.choices[0].message.content + "".join(parts)

    assert asyncio.run(run()) == "Hello!Hello!"
    chat, streamed, root = mem.spans
    assert chat["output"]["content"] == "Hello!" and streamed["output"]["content"] == "Hello!"
    assert chat["parent_span_id"] == root["id"] == streamed["parent_span_id"]


def test_responses_api(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client = sync_client(llm_stub)
    r = client.responses.create(model="gpt-4.1-mini", input="say hi", instructions="be brief")
    assert r.output_text == "Hi there"
    events = list(client.responses.create(model="gpt-4.1-mini", input="say hi", stream=True))
    assert events[-1].type == "response.completed"
    plain, streamed = mem.spans
    assert plain["name"] == "openai.responses" and plain["output"] == "Hi there"
    assert plain["input"] == {"input": "say hi", "instructions": "be brief"}
    assert plain["usage"] == {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11, "cached_tokens": 0}
    assert streamed["output"] == "Hi there" and streamed["usage"]["total_tokens"] == 11


def test_embeddings(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client = sync_client(llm_stub)
    client.embeddings.create(model="text-embedding-3-small", input="abc")
    span = mem.spans[0]
    assert span["name"] == "openai.embeddings" and span["output"] == {"embeddings": 1, "dimensions": 3}
    assert span["usage"] == {"prompt_tokens": 2, "total_tokens": 2}


def test_api_error_is_recorded_and_raised(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client = sync_client(llm_stub)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="fail-model", messages=MESSAGES)
    assert mem.spans[0]["error"]["type"] == "BadRequestError"


def test_patching_twice_is_harmless(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    client = track_openai(sync_client(llm_stub))
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(mem.spans) == 1


def test_chat_parse_sync_and_async(mem: InMemoryExporter, llm_stub: LLMStub) -> None:
    from pydantic import BaseModel

    class Weather(BaseModel):
        city: str

    resp = sync_client(llm_stub).chat.completions.parse(model="gpt-4o-mini", messages=MESSAGES, response_format=Weather)
    assert resp.choices[0].message.parsed == Weather(city="Paris")

    async def run() -> Any:
        client = async_client(llm_stub)
        return await client.chat.completions.parse(model="gpt-4o-mini", messages=MESSAGES, response_format=Weather)

    assert asyncio.run(run()).choices[0].message.parsed == Weather(city="Paris")
    assert len(mem.spans) == 2  # parse is traced once, not also through create
    for span in mem.spans:
        assert span["name"] == "openai.chat" and span["model"] == "gpt-4o-mini-2024"
        assert span["output"]["parsed"] == {"city": "Paris"}
        assert span["metadata"] == {"response_format": "Weather", "finish_reason": "stop"}
        assert span["usage"]["total_tokens"] == 15
