"""POST /v1/traces through the ASGI app, with requests encoded from real OpenTelemetry SDK spans."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace

import orjson
import pytest
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.trace import Status, StatusCode

from spyglass.server.app import create_app
from spyglass.server.errors import Overloaded
from tests.server.compat.otlp_helpers import PB, otlp_json, sdk_request


def _rag(tracer):
    with tracer.start_as_current_span("rag", attributes={
        "openinference.span.kind": "CHAIN", "input.value": "refund policy?", "session.id": "conv-1",
        "user.id": "u-7", "tag.tags": ["beta"], "metadata": json.dumps({"env": "prod"}),
    }):
        with tracer.start_as_current_span("retrieve", attributes={
            "openinference.span.kind": "RETRIEVER", "input.value": "refund policy?",
            "retrieval.documents.0.document.id": "d1", "retrieval.documents.0.document.content": "30 days",
            "retrieval.documents.0.document.score": 0.9,
            "retrieval.documents.1.document.id": "d2", "retrieval.documents.1.document.content": "receipts",
        }):
            pass
        with tracer.start_as_current_span("ChatCompletion", attributes={
            "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.provider": "openai",
            "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "Be brief.",
            "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "Refunds?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_1",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "lookup",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"q": "refund"}',
            "llm.token_count.prompt": 1000, "llm.token_count.completion": 200,
            "llm.token_count.prompt_details.cache_read": 400,
            "llm.invocation_parameters": json.dumps({"temperature": 0.1}),
        }):
            pass


def _check_rag(client, request):
    root = next(s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans
                if not s.parent_span_id)
    trace_id = root.trace_id.hex()
    got = client.get(f"/api/v1/traces/{trace_id}").json()
    trace, spans = got["trace"], {s["name"]: s for s in got["spans"]}
    assert trace["project"] == "shop"
    assert (trace["name"], trace["input"], trace["thread_id"], trace["user_id"]) == ("rag", "refund policy?",
                                                                                     "conv-1", "u-7")
    assert trace["tags"] == ["beta"] and trace["metadata"] == {"env": "prod"}
    assert {n: s["type"] for n, s in spans.items()} == {"rag": "chain", "retrieve": "retriever",
                                                        "ChatCompletion": "llm"}
    assert spans["retrieve"]["parent_span_id"] == root.span_id.hex()
    assert spans["retrieve"]["output"]["documents"] == [
        {"id": "d1", "content": "30 days", "score": 0.9}, {"id": "d2", "content": "receipts"}]
    llm = spans["ChatCompletion"]
    assert llm["input"]["messages"] == [{"role": "system", "content": "Be brief."},
                                        {"role": "user", "content": "Refunds?"}]
    assert llm["output"] == {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "refund"}'}}]}
    assert (llm["model"], llm["provider"]) == ("gpt-4o-mini", "openai")
    assert llm["usage"] == {"prompt_tokens": 1000, "completion_tokens": 200, "cached_tokens": 400}
    assert llm["cost"] > 0 and llm["metadata"]["invocation_parameters"] == {"temperature": 0.1}
    assert llm["attributes"]["llm.token_count.prompt"] == 1000  # raw attributes are kept
    assert trace["usage"]["total_tokens"] == 1200


def test_protobuf_export_maps_openinference(client):
    request = sdk_request(_rag, {"service.name": "shop"})
    response = client.post("/v1/traces", content=request.SerializeToString(), headers=PB)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    assert not ExportTraceServiceResponse.FromString(response.content).HasField("partial_success")
    _check_rag(client, request)


def test_json_export_gzipped(client):
    request = sdk_request(_rag, {"service.name": "shop"})
    response = client.post("/v1/traces", content=gzip.compress(otlp_json(request)),
                           headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert response.status_code == 200 and response.json() == {}
    _check_rag(client, request)


def _bad_json(request) -> bytes:
    data = orjson.loads(otlp_json(request))
    spans = data["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans.append({**spans[0], "spanId": "nothex!", "name": "broken"})
    return orjson.dumps(data)


def test_partial_success_counts_rejected_spans(client):
    request = sdk_request(lambda t: t.start_span("only").end())
    response = client.post("/v1/traces", content=_bad_json(request), headers={"content-type": "application/json"})
    body = response.json()
    assert response.status_code == 200
    assert body["partialSuccess"]["rejectedSpans"] == 1 and "broken" in body["partialSuccess"]["errorMessage"]
    span = request.resource_spans[0].scope_spans[0].spans[0]
    assert client.get(f"/api/v1/spans/{span.span_id.hex()}").json()["name"] == "only"
    span.span_id = b"\x01\x02"  # protobuf: wrong id length
    pb = client.post("/v1/traces", content=request.SerializeToString(), headers=PB)
    assert ExportTraceServiceResponse.FromString(pb.content).partial_success.rejected_spans == 1


@pytest.mark.parametrize("body, headers, status", [
    (b"\xff\x00garbage", PB, 400),
    (b"{not json", {"content-type": "application/json"}, 400),
    (b'{"resourceSpans": "x"}', {"content-type": "application/json"}, 400),
    (b"", {"content-type": "text/plain"}, 415),
    (b"abc", {**PB, "content-encoding": "gzip"}, 400),
])
def test_bad_input_gets_4xx(client, body, headers, status):
    response = client.post("/v1/traces", content=body, headers=headers)
    assert response.status_code == status


def test_too_large_is_413(settings):
    with TestClient(create_app(replace(settings, max_request_bytes=1000))) as small:
        request = sdk_request(lambda t: t.start_span("big", attributes={"input.value": "x" * 5000}).end())
        response = small.post("/v1/traces", content=request.SerializeToString(), headers=PB)
        assert response.status_code == 413


def test_overload_is_429_with_retry_after(client, monkeypatch):
    def full(work, waiter):
        raise Overloaded(retry_after=3)

    monkeypatch.setattr(client.app.state.store.writer, "_enqueue", full)
    request = sdk_request(lambda t: t.start_span("x").end(), {"service.name": "busy"})
    response = client.post("/v1/traces", content=request.SerializeToString(), headers=PB)
    assert (response.status_code, response.headers["retry-after"]) == (429, "3")
    assert response.content.startswith(b"\x08\x08")  # google.rpc.Status code RESOURCE_EXHAUSTED


def _project_of(client, request, headers=PB):
    assert client.post("/v1/traces", content=request.SerializeToString(), headers=headers).status_code == 200
    span_id = request.resource_spans[0].scope_spans[0].spans[0].span_id.hex()
    return client.get(f"/api/v1/spans/{span_id}").json()["project"]


def test_project_resolution(client):
    def one(tracer):
        tracer.start_span("s").end()

    resource = {"service.name": "svc", "openinference.project.name": "oi-proj"}
    assert _project_of(client, sdk_request(one, resource), {**PB, "x-spyglass-project": "hdr"}) == "hdr"
    assert _project_of(client, sdk_request(one, resource)) == "oi-proj"
    assert _project_of(client, sdk_request(one, {"service.name": "svc"})) == "svc"
    assert _project_of(client, sdk_request(one)) == "default"  # unknown_service names no project


def test_child_before_parent_and_errors(client):
    def build(tracer):
        with tracer.start_as_current_span("root") as root:
            with tracer.start_as_current_span("step") as step:
                step.record_exception(ValueError("bad value"))
                step.set_status(Status(StatusCode.ERROR, "bad value"))
            root.add_event("checkpoint", {"n": 1})

    request = sdk_request(build, {"service.name": "order"})
    spans = request.resource_spans[0].scope_spans[0].spans
    child, root = spans[0], spans[1]
    del spans[1]
    assert client.post("/v1/traces", content=request.SerializeToString(), headers=PB).status_code == 200
    spans.append(root)
    del spans[0]
    assert client.post("/v1/traces", content=request.SerializeToString(), headers=PB).status_code == 200
    got = client.get(f"/api/v1/traces/{root.trace_id.hex()}").json()
    assert got["trace"]["name"] == "root" and got["trace"]["span_count"] == 2
    by_name = {s["name"]: s for s in got["spans"]}
    assert by_name["step"]["error"]["type"] == "ValueError" and by_name["step"]["error"]["message"] == "bad value"
    assert by_name["step"]["parent_span_id"] == root.span_id.hex() == by_name["root"]["id"]
    assert by_name["root"]["events"][0]["name"] == "checkpoint"
    assert by_name["root"]["events"][0]["attributes"] == {"n": 1}
    assert child.span_id.hex() == by_name["step"]["id"]
