"""Attribute conventions -> canonical fields, on decoded spans (no database needed)."""

from __future__ import annotations

import json

import orjson

from spyglass.server.compat.otlp.decode import RawSpan, decode_json
from spyglass.server.compat.otlp.translate import span_record

TRACE, SPAN, PARENT = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "00f067aa0ba902b7"


def raw(attrs, *, parent=PARENT, events=(), status=0, message=""):
    return RawSpan(TRACE, SPAN, parent, "op", 3, 1_700_000_000_000_000_000, 1_700_000_001_000_000_000, attrs,
                   list(events), status, message)


def test_genai_current_semconv():
    span, trace = span_record(raw({
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-x",
        "gen_ai.response.model": "claude-x-2025", "gen_ai.request.temperature": 0.3,
        "gen_ai.usage.input_tokens": 50, "gen_ai.usage.output_tokens": 7,
        "gen_ai.usage.cache_read.input_tokens": 20, "gen_ai.conversation.id": "conv 9",
        "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Be nice."}]),
        "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]),
        "gen_ai.output.messages": json.dumps([{"role": "assistant", "finish_reason": "tool_call", "parts": [
            {"type": "tool_call", "id": "c1", "name": "weather", "arguments": {"city": "Oslo"}}]}]),
    }), "p")
    assert span["type"] == "llm" and span["model"] == "claude-x-2025" and span["provider"] == "anthropic"
    assert span["usage"] == {"prompt_tokens": 50, "completion_tokens": 7, "cached_tokens": 20}
    assert span["input"] == {"messages": [{"role": "system", "content": "Be nice."}, {"role": "user", "content": "Hi"}]}
    assert span["output"]["tool_calls"] == [{"id": "c1", "type": "function",
                                             "function": {"name": "weather", "arguments": '{"city":"Oslo"}'}}]
    assert span["metadata"]["model_parameters"] == {"temperature": 0.3}
    assert trace["thread_id"] == "conv_9"  # made path-safe; the raw value stays in attributes


def test_genai_legacy_flattened_and_events():
    span, _ = span_record(raw({
        "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.prompt_tokens": 5,
        "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "Hello",
        "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "Hey",
    }), "p")
    assert span["type"] == "llm" and span["input"] == {"messages": [{"role": "user", "content": "Hello"}]}
    assert span["output"] == {"role": "assistant", "content": "Hey"}
    events = [("gen_ai.content.prompt", 1, {"gen_ai.prompt": json.dumps([{"role": "user", "content": "Q"}])}),
              ("gen_ai.content.completion", 2, {"gen_ai.completion": json.dumps([{"role": "assistant",
                                                                                 "content": "A"}])})]
    span, _ = span_record(raw({"gen_ai.operation.name": "chat"}, events=events), "p")
    assert span["input"] == {"messages": [{"role": "user", "content": "Q"}]}
    assert span["output"] == {"role": "assistant", "content": "A"}
    assert [e["name"] for e in span["events"]] == ["gen_ai.content.prompt", "gen_ai.content.completion"]


def test_langfuse_observation_and_trace_attributes():
    span, trace = span_record(raw({
        "langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o",
        "langfuse.observation.input": json.dumps([{"role": "user", "content": "2+2?"}]),
        "langfuse.observation.output": json.dumps("4"),
        "langfuse.observation.usage_details": json.dumps({"input": 10, "input_cached_tokens": 90, "output": 5}),
        "langfuse.observation.cost_details": json.dumps({"input": 0.001, "output": 0.002}),
        "langfuse.observation.metadata.step": json.dumps("math"), "langfuse.observation.level": "ERROR",
        "langfuse.observation.status_message": "judge failed", "session.id": "s-1", "user.id": "ann",
        "langfuse.trace.name": "quiz", "langfuse.trace.tags": ["exam"],
        "gen_ai.request.model": "ignored-model",  # Langfuse's explicit model wins
    }), "p")
    assert span["type"] == "llm" and span["model"] == "gpt-4o"
    assert span["input"] == {"messages": [{"role": "user", "content": "2+2?"}]} and span["output"] == "4"
    assert span["usage"] == {"prompt_tokens": 100, "completion_tokens": 5, "cached_tokens": 90}
    assert span["cost"] == 0.003 and span["metadata"]["step"] == "math"
    assert span["error"] == {"type": None, "message": "judge failed", "traceback": None}
    assert trace == {"id": TRACE, "project": "p", "name": "quiz", "tags": ["exam"], "metadata": None,
                     "thread_id": "s-1", "user_id": "ann"}


def test_generic_langfuse_span_does_not_override_openinference_kind():
    span, _ = span_record(raw({"langfuse.observation.type": "span", "openinference.span.kind": "TOOL",
                               "tool.name": "search"}, parent=None), "p")
    assert span["type"] == "tool" and span["metadata"]["tool"]["name"] == "search"


def test_otlp_json_with_enum_names_and_base64_ids():
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name",
                                                            "value": {"stringValue": "svc"}}]},
                               "scopeSpans": [{"spans": [{
                                   "traceId": "CvdlGRbNQ92ESOshHIAxnA==", "spanId": "t61rcWkgMzE=",
                                   "name": "x", "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": "5000",
                                   "status": {"code": "STATUS_CODE_ERROR"},
                                   "attributes": [{"key": "n", "value": {"intValue": "3"}},
                                                  {"key": "l", "value": {"arrayValue": {"values": [
                                                      {"boolValue": True}, {"doubleValue": 1.5}]}}}]}]}]}]}
    decoded = decode_json(orjson.dumps(body))
    got = decoded.batches[0].spans[0]
    assert (got.trace_id, got.span_id, got.kind, got.status_code) == (TRACE, SPAN, 3, 2)
    assert got.attributes == {"n": 3, "l": [True, 1.5]} and got.start_ns == 5000
