"""Real clients against a real server: the OTLP/HTTP and OTLP/gRPC exporters, and OpenInference
around the openai client talking to a local OpenAI-compatible stub (plain, tool calls, streaming)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import grpc
import httpx
import openai
import pytest
from openinference.instrumentation.openai import OpenAIInstrumentor
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc import TraceServiceStub
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from tests.server.compat.openai_stub import openai_stub
from tests.server.compat.otlp_helpers import LiveServer, free_port, live_server, sdk_request


@pytest.fixture
def server(settings) -> Iterator[LiveServer]:
    with live_server(settings) as running:
        yield running


def _provider(server: LiveServer, project: str, **exporter_args) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"openinference.project.name": project}))
    exporter = OTLPSpanExporter(endpoint=f"{server.url}/v1/traces", **exporter_args)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _spans(server: LiveServer, project: str) -> list[dict]:
    page = httpx.get(f"{server.url}/api/v1/spans", params={"project": project, "limit": 100}).json()
    return sorted(page["data"] if "data" in page else page["items"], key=lambda s: s["start_time"])


def test_otlp_http_exporter_gzip_protobuf(server):
    provider = _provider(server, "exported", compression=Compression.Gzip)
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("handle", attributes={"session.id": "t-1", "input.value": "hi"}) as root:
        with tracer.start_as_current_span("llm", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.system": "openai",
            "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 3}):
            pass
    assert provider.force_flush(10_000)
    provider.shutdown()
    trace_id = format(root.get_span_context().trace_id, "032x")
    got = httpx.get(f"{server.url}/api/v1/traces/{trace_id}").json()
    assert got["trace"]["name"] == "handle" and got["trace"]["thread_id"] == "t-1"
    assert got["trace"]["project"] == "exported"
    llm = next(s for s in got["spans"] if s["name"] == "llm")
    assert (llm["type"], llm["model"], llm["provider"]) == ("llm", "gpt-4o-mini", "openai")
    assert llm["usage"]["prompt_tokens"] == 12 and llm["cost"] > 0
    assert llm["parent_span_id"] == format(root.get_span_context().span_id, "016x")


@pytest.fixture
def instrumented(server) -> Iterator[TracerProvider]:
    provider = _provider(server, "openai-app")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        yield provider
    finally:
        instrumentor.uninstrument()
        provider.shutdown()


def test_openinference_openai_tools_and_streaming(server, instrumented):
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}]
    with openai_stub() as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="sk-test")
        client.chat.completions.create(model="gpt-4o-mini", tools=tools,
                                       messages=[{"role": "user", "content": "Weather in Paris?"}])
        stream = client.chat.completions.create(model="gpt-4o-mini", stream=True,
                                                stream_options={"include_usage": True},
                                                messages=[{"role": "user", "content": "Say something"}])
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Streamed reply"
    assert instrumented.force_flush(10_000)
    tool_call, streamed = _spans(server, "openai-app")
    for span in (tool_call, streamed):
        assert (span["type"], span["model"], span["provider"]) == ("llm", "gpt-4o-mini", "openai")
        assert span["usage"] == {"prompt_tokens": 30, "completion_tokens": 8, "total_tokens": 38,
                                 "cached_tokens": 10}
        assert span["cost"] > 0 and span["parent_span_id"] is None
    assert tool_call["input"]["messages"] == [{"role": "user", "content": "Weather in Paris?"}]
    assert tool_call["input"]["tools"][0]["function"]["name"] == "get_weather"
    assert tool_call["output"]["tool_calls"] == [{"id": "call_42", "type": "function", "function": {
        "name": "get_weather", "arguments": '{"city": "Paris"}'}}]
    assert streamed["output"] == {"role": "assistant", "content": "Streamed reply"}
    trace = httpx.get(f"{server.url}/api/v1/traces/{streamed['trace_id']}").json()["trace"]
    assert trace["usage"]["total_tokens"] == 38 and trace["name"] == streamed["name"]


@pytest.fixture
def grpc_server(settings) -> Iterator[LiveServer]:
    with live_server(replace(settings, otlp_grpc=True, otlp_grpc_port=free_port())) as running:
        yield running


def test_otlp_grpc_exporter_and_partial_success(grpc_server):
    provider = TracerProvider(resource=Resource.create({"service.name": "grpc-app"}))
    exporter = GrpcSpanExporter(endpoint=f"127.0.0.1:{grpc_server.grpc_port}", insecure=True)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    with provider.get_tracer("app").start_as_current_span("agent", attributes={
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}) as root:
        pass
    assert provider.force_flush(10_000)
    provider.shutdown()
    trace_id = format(root.get_span_context().trace_id, "032x")
    got = httpx.get(f"{grpc_server.url}/api/v1/traces/{trace_id}").json()
    assert (got["trace"]["project"], got["trace"]["name"]) == ("grpc-app", "agent")
    assert got["spans"][0]["type"] == "agent" and got["spans"][0]["metadata"] == {"agent_name": "planner"}

    request = sdk_request(lambda t: t.start_span("kept").end())
    spans = request.resource_spans[0].scope_spans[0].spans
    spans.add().CopyFrom(spans[0])
    spans[1].span_id = b"short"
    with grpc.insecure_channel(f"127.0.0.1:{grpc_server.grpc_port}") as channel:
        answer = TraceServiceStub(channel).Export(request, metadata=[("x-spyglass-project", "via-grpc")])
    assert answer.partial_success.rejected_spans == 1
    kept = httpx.get(f"{grpc_server.url}/api/v1/spans/{spans[0].span_id.hex()}").json()
    assert (kept["name"], kept["project"]) == ("kept", "via-grpc")
