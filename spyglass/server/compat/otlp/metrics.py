"""OTLP metrics: acknowledged, counted, not kept.

Zero-code OpenTelemetry setups export traces, metrics and logs to the same endpoint. Spyglass
keeps traces and the GenAI log records of spans; the GenAI metrics (token usage, operation
duration) are what its own rollups compute from the spans. A metrics export is therefore
decoded (a malformed one is still a 400) and answered with every data point counted as
rejected in `partial_success`, with the reason: the exporter sees no error and retries
nothing, and a collector can tell that the points were not kept.
"""

from __future__ import annotations

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from spyglass.server.compat.otlp.decode import json_object
from spyglass.server.errors import BadRequest

NOT_KEPT = "Spyglass keeps traces and GenAI log events, not metrics (token and latency metrics come from the spans)"
JSON_KINDS = ("gauge", "sum", "histogram", "exponentialHistogram", "summary")


def _protobuf_points(body: bytes) -> int:
    try:
        request = ExportMetricsServiceRequest.FromString(body)
    except DecodeError as exc:
        raise BadRequest(f"body is not a valid OTLP ExportMetricsServiceRequest: {exc}") from None
    points = 0
    for rm in request.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                kind = metric.WhichOneof("data")
                if kind is not None:
                    points += len(getattr(metric, kind).data_points)
    return points


def _json_points(body: bytes) -> int:
    data = json_object(body, "ExportMetricsServiceRequest")
    try:
        return sum(len((metric.get(kind) or {}).get("dataPoints") or ())
                   for rm in data.get("resourceMetrics") or ()
                   for sm in rm.get("scopeMetrics") or ()
                   for metric in sm.get("metrics") or ()
                   for kind in JSON_KINDS if kind in metric)
    except (AttributeError, TypeError) as exc:
        raise BadRequest(f"body is not an OTLP ExportMetricsServiceRequest: {exc}") from None


def data_points(body: bytes, as_json: bool) -> int:
    """How many data points a metrics export holds (a body that does not decode: BadRequest)."""
    return _json_points(body) if as_json else _protobuf_points(body)
