"""GenAI messages sent as OTLP log records of a span (/v1/logs, and LogsService over gRPC):
OpenTelemetry's own openai-v2 instrumentation with the real openai client, per-message events
from the OpenTelemetry SDK, either order of logs and spans, and what is not kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import openai
import orjson
import pytest
from opentelemetry._logs import LogRecord
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from tests.server.compat.openai_stub import openai_stub
from tests.server.compat.otlp_helpers import PB, LiveServer, free_port, live_server, otlp_json, sdk_request


@pytest.fixture
def server(settings) -> Iterator[LiveServer]:
    with live_server(settings) as running:
        yield running


class Telemetry:
    """A tracer and a logger provider exporting to the server over OTLP/HTTP (or logs over gRPC)."""

    def __init__(self, server: LiveServer, project: str, log_exporter=None) -> None:
        resource = Resource.create({"service.name": project})
        self.traces = TracerProvider(resource=resource)
        self.traces.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{server.url}/v1/traces")))
        self.logs = LoggerProvider(resource=resource)
        exporter = log_exporter or OTLPLogExporter(endpoint=f"{server.url}/v1/logs")
        self.logs.add_log_record_processor(BatchLogRecordProcessor(exporter))

    def flush(self, *, logs_first: bool) -> None:
        providers = (self.logs, self.traces) if logs_first else (self.traces, self.logs)
        for provider in providers:
            assert provider.force_flush(10_000)

    def shutdown(self) -> None:
        self.traces.shutdown()
        self.logs.shutdown()


def _span(server: LiveServer, span_id: int) -> dict:
    return httpx.get(f"{server.url}/api/v1/spans/{format(span_id, '016x')}").json()


def test_openai_v2_instrumentation_messages_arrive_as_log_records(server, monkeypatch):
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "EVENT_ONLY")
    telemetry = Telemetry(server, "otel-genai")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.traces, logger_provider=telemetry.logs)
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    tracer = telemetry.traces.get_tracer("app")
    try:
        with openai_stub() as base_url:
            client = openai.OpenAI(base_url=base_url, api_key="sk-test")
            with tracer.start_as_current_span("answer") as answer:
                client.chat.completions.create(model="gpt-4o-mini", messages=[
                    {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
            telemetry.flush(logs_first=True)  # the messages come before their span
            with tracer.start_as_current_span("weather") as weather:
                client.chat.completions.create(model="gpt-4o-mini", tools=tools,
                                               messages=[{"role": "user", "content": "Weather in Paris?"}])
            telemetry.flush(logs_first=False)  # ... and after it
    finally:
        instrumentor.uninstrument()
        telemetry.shutdown()

    spans = httpx.get(f"{server.url}/api/v1/spans", params={"project": "otel-genai", "limit": 10}).json()["items"]
    calls = {s["parent_span_id"]: s for s in spans if s["type"] == "llm"}
    hello = calls[format(answer.get_span_context().span_id, "016x")]
    assert (hello["name"], hello["model"], hello["provider"]) == ("chat gpt-4o-mini", "gpt-4o-mini", "openai")
    assert hello["usage"]["prompt_tokens"] == 30 and hello["cost"] > 0
    assert hello["input"]["messages"] == [{"role": "system", "content": "Be brief."},
                                          {"role": "user", "content": "Hi"}]
    assert hello["output"] == {"role": "assistant", "content": "Bonjour!", "finish_reason": "stop"}
    tool = calls[format(weather.get_span_context().span_id, "016x")]
    assert tool["input"]["messages"] == [{"role": "user", "content": "Weather in Paris?"}]
    # The instrumentation sends the arguments parsed; they are stored as a JSON string again.
    assert tool["output"]["tool_calls"] == [{"id": "call_42", "type": "function", "function": {
        "name": "get_weather", "arguments": '{"city":"Paris"}'}}]
    assert tool["output"]["finish_reason"] == "tool_calls"
    assert len(spans) == 4  # two calls and their parents: the log records made no span of their own


def _message_events(telemetry: Telemetry) -> int:
    """One model call with its messages as one log record each (conventions up to 1.36)."""
    logger = telemetry.logs.get_logger("genai")
    with telemetry.traces.get_tracer("app").start_as_current_span("chat gpt-4o", attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}) as span:
        for name, body in [
            ("gen_ai.system.message", {"content": "Be brief."}),
            ("gen_ai.user.message", {"content": "What is 2+2?"}),
            ("gen_ai.assistant.message", {"tool_calls": [{"id": "c1", "type": "function", "function": {
                "name": "add", "arguments": '{"a": 2, "b": 2}'}}]}),
            ("gen_ai.tool.message", {"content": "4", "id": "c1"}),
            ("gen_ai.choice", {"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
                                                                                "content": "It is 4."}}),
        ]:
            logger.emit(LogRecord(event_name=name, body=body, attributes={"gen_ai.system": "openai"}))
    return span.get_span_context().span_id


@pytest.mark.parametrize("logs_first", [True, False])
def test_one_log_record_per_message(server, logs_first):
    telemetry = Telemetry(server, "message-events")
    span_id = _message_events(telemetry)
    telemetry.flush(logs_first=logs_first)
    telemetry.shutdown()
    span = _span(server, span_id)
    assert (span["name"], span["type"], span["model"]) == ("chat gpt-4o", "llm", "gpt-4o")
    assert span["input"]["messages"] == [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 2}'}, "id": "c1"}]},
        {"role": "tool", "content": "4", "tool_call_id": "c1"}]
    assert span["output"] == {"role": "assistant", "content": "It is 4.", "finish_reason": "stop"}


def test_logs_over_grpc(settings):
    with live_server(replace(settings, otlp_grpc=True, otlp_grpc_port=free_port())) as server:
        exporter = GrpcLogExporter(endpoint=f"127.0.0.1:{server.grpc_port}", insecure=True)
        telemetry = Telemetry(server, "grpc-events", log_exporter=exporter)
        span_id = _message_events(telemetry)
        telemetry.flush(logs_first=False)
        telemetry.shutdown()
        span = _span(server, span_id)
    assert span["input"]["messages"][1] == {"role": "user", "content": "What is 2+2?"}
    assert span["output"]["content"] == "It is 4."


def test_application_log_lines_beside_genai_records(server):
    """Log lines of the application (with or without a span) are not stored and change nothing."""
    telemetry = Telemetry(server, "app-logs")
    logger = telemetry.logs.get_logger("app")
    logger.emit(LogRecord(body="starting up"))
    span_id = _message_events(telemetry)
    with telemetry.traces.get_tracer("app").start_as_current_span("handler"):
        logger.emit(LogRecord(body="handled a request", attributes={"http.route": "/ask"}))
    telemetry.flush(logs_first=True)
    telemetry.shutdown()
    assert _span(server, span_id)["output"]["content"] == "It is 4."
    spans = httpx.get(f"{server.url}/api/v1/spans", params={"project": "app-logs"}).json()["items"]
    assert sorted(s["name"] for s in spans) == ["chat gpt-4o", "handler"]
    assert next(s for s in spans if s["name"] == "handler")["output"] is None


def _logs_request() -> ExportLogsServiceRequest:
    """A GenAI record of a span (from real SDK ids), one without a span and one that is no GenAI event."""
    trace = sdk_request(lambda t: t.start_span("chat").end())
    span = trace.resource_spans[0].scope_spans[0].spans[0]
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add()
    resource_logs.resource.attributes.add(key="service.name").value.string_value = "raw-logs"
    records = resource_logs.scope_logs.add().log_records
    choice = records.add(event_name="gen_ai.choice", trace_id=span.trace_id, span_id=span.span_id)
    for key, value in (("finish_reason", "stop"), ("index", None)):
        kv = choice.body.kvlist_value.values.add(key=key)
        if value is None:
            kv.value.int_value = 0
        else:
            kv.value.string_value = value
    message = choice.body.kvlist_value.values.add(key="message").value.kvlist_value.values
    message.add(key="content").value.string_value = "Done."
    records.add(event_name="gen_ai.user.message").body.string_value = "no span"
    records.add(trace_id=span.trace_id, span_id=span.span_id).body.string_value = "a plain log line"
    return request


def test_protobuf_and_json_partial_success_and_a_record_before_its_span(client):
    request = _logs_request()
    span_id = request.resource_logs[0].scope_logs[0].log_records[0].span_id.hex()
    answer = client.post("/v1/logs", content=request.SerializeToString(), headers=PB)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/x-protobuf"
    partial = ExportLogsServiceResponse.FromString(answer.content).partial_success
    assert partial.rejected_log_records == 2 and "GenAI event of a span" in partial.error_message
    placeholder = client.get(f"/api/v1/spans/{span_id}").json()
    assert placeholder["output"] == {"role": "assistant", "content": "Done.", "finish_reason": "stop"}
    assert placeholder["project"] == "raw-logs"

    as_json = client.post("/v1/logs", content=otlp_json(request), headers={"content-type": "application/json"})
    assert as_json.json()["partialSuccess"]["rejectedLogRecords"] == 2
    bad = client.post("/v1/logs", content=b"\xff\x00", headers=PB)
    assert bad.status_code == 400

    # The span itself arrives afterwards: its fields fill in, the messages stay.
    trace = sdk_request(lambda t: t.start_span("chat", attributes={"gen_ai.operation.name": "chat"}).end(),
                        resource={"service.name": "raw-logs"})
    stored = trace.resource_spans[0].scope_spans[0].spans[0]
    stored.trace_id = request.resource_logs[0].scope_logs[0].log_records[0].trace_id
    stored.span_id = bytes.fromhex(span_id)
    assert client.post("/v1/traces", content=trace.SerializeToString(), headers=PB).status_code == 200
    span = client.get(f"/api/v1/spans/{span_id}").json()
    assert (span["name"], span["type"], span["output"]["content"]) == ("chat", "llm", "Done.")
    trace_row = client.get(f"/api/v1/traces/{stored.trace_id.hex()}").json()["trace"]
    assert trace_row["span_count"] == 1


def test_json_log_record_ids_are_checked(client):
    body = {"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"eventName": "gen_ai.user.message", "traceId": "abc", "spanId": "0102030405060708", "body": {}}]}]}]}
    answer = client.post("/v1/logs", content=orjson.dumps(body), headers={"content-type": "application/json"})
    assert answer.status_code == 200
    assert answer.json()["partialSuccess"]["rejectedLogRecords"] == 1
    assert "ids" in answer.json()["partialSuccess"]["errorMessage"]
