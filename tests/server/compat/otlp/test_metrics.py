"""OTLP metrics are acknowledged and not kept: exporters see success, partial_success says why."""

from __future__ import annotations

from dataclasses import replace

import orjson
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetricExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExportResult, PeriodicExportingMetricReader

from tests.server.compat.otlp_helpers import PB, free_port, live_server


def _record(exporter) -> list[MetricExportResult]:  # type: ignore[no-untyped-def]
    """Export two GenAI metrics with `exporter`; what each export returned (the provider's
    flush says True even when an export failed)."""
    results = []
    export = exporter.export

    def recording(metrics_data, *args, **kwargs):  # type: ignore[no-untyped-def]
        results.append(export(metrics_data, *args, **kwargs))
        return results[-1]

    exporter.export = recording
    provider = MeterProvider(metric_readers=[PeriodicExportingMetricReader(exporter, export_interval_millis=60_000)])
    meter = provider.get_meter("genai")
    meter.create_counter("gen_ai.client.token.usage").add(30, {"gen_ai.token.type": "input"})
    meter.create_histogram("gen_ai.client.operation.duration").record(0.42)
    assert provider.force_flush(10_000)
    provider.shutdown()
    return results


def test_sdk_metric_exporters_succeed_over_http_and_grpc(settings):
    with live_server(replace(settings, otlp_grpc=True, otlp_grpc_port=free_port())) as server:
        over_http = _record(OTLPMetricExporter(endpoint=f"{server.url}/v1/metrics"))
        over_grpc = _record(GrpcMetricExporter(endpoint=f"127.0.0.1:{server.grpc_port}", insecure=True))
    assert over_http and set(over_http) == {MetricExportResult.SUCCESS}
    assert over_grpc and set(over_grpc) == {MetricExportResult.SUCCESS}


def _request() -> ExportMetricsServiceRequest:
    request = ExportMetricsServiceRequest()
    metrics = request.resource_metrics.add().scope_metrics.add().metrics
    usage = metrics.add(name="gen_ai.client.token.usage")
    for tokens in (30, 8):
        usage.sum.data_points.add(as_int=tokens)
    metrics.add(name="gen_ai.client.operation.duration").histogram.data_points.add(count=1, sum=0.42)
    return request


def test_every_data_point_is_reported_as_not_kept(client):
    answer = client.post("/v1/metrics", content=_request().SerializeToString(), headers=PB)
    partial = ExportMetricsServiceResponse.FromString(answer.content).partial_success
    assert answer.status_code == 200 and partial.rejected_data_points == 3
    assert "not metrics" in partial.error_message

    body = orjson.dumps(json_format.MessageToDict(_request()))
    as_json = client.post("/v1/metrics", content=body, headers={"content-type": "application/json"})
    assert as_json.json()["partialSuccess"]["rejectedDataPoints"] == 3
    empty = client.post("/v1/metrics", content=b"", headers=PB)
    assert (empty.status_code, empty.content) == (200, b"")  # nothing sent, nothing refused
    assert client.post("/v1/metrics", content=b"\xff\x00", headers=PB).status_code == 400
