"""POST /v1/traces, /v1/logs and /v1/metrics: OTLP/HTTP, protobuf or JSON, answered in the encoding it was asked in."""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from spyglass.server.api.body import read_body
from spyglass.server.api.responses import JSON
from spyglass.server.compat.otlp.service import ExportResult, export
from spyglass.server.errors import SpyglassError
from spyglass.server.store.base import Store

PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf")
CONTENT_TYPES = (*PROTOBUF_TYPES, "application/json")
# google.rpc.Code values, for the Status body OTLP/HTTP sends with every error.
RPC_CODES = {400: 3, 413: 3, 415: 3, 401: 16, 403: 7, 404: 5, 429: 8, 503: 14}


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def status_body(code: int, message: str) -> bytes:
    """A google.rpc.Status message (code = field 1, message = field 2), encoded by hand so the
    base install needs no googleapis package."""
    text = message.encode()
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text


def error_response(exc: SpyglassError, as_json: bool) -> Response:
    code = RPC_CODES.get(exc.status, 2)
    if as_json:
        return JSON({"code": code, "message": exc.message}, status_code=exc.status, headers=exc.headers)
    return Response(status_body(code, exc.message), status_code=exc.status, headers=exc.headers,
                    media_type="application/x-protobuf")


# Per signal: the response message, and its partial_success count field (protobuf, JSON).
RESPONSES = {"traces": (ExportTraceServiceResponse, "rejected_spans", "rejectedSpans"),
             "logs": (ExportLogsServiceResponse, "rejected_log_records", "rejectedLogRecords"),
             "metrics": (ExportMetricsServiceResponse, "rejected_data_points", "rejectedDataPoints")}


def success_response(result: ExportResult, as_json: bool, signal: str = "traces") -> Response:
    message_class, field, json_field = RESPONSES[signal]
    if as_json:
        body = {"partialSuccess": {json_field: result.rejected, "errorMessage": result.message}} \
            if result.rejected else {}
        return JSON(body)
    message = message_class()
    if result.rejected:
        setattr(message.partial_success, field, result.rejected)
        message.partial_success.error_message = result.message
    return Response(message.SerializeToString(), media_type="application/x-protobuf")


async def receive(request: Request, store: Store, project: str | None, signal: str = "traces") -> Response:
    """Read, decode, write and acknowledge one OTLP/HTTP export; errors as OTLP Status bodies."""
    as_json = _is_json(request)
    try:
        body = await read_body(request, store.settings.max_request_bytes, CONTENT_TYPES)
        result = await export(store, body, project, as_json=as_json, signal=signal)
    except SpyglassError as exc:
        return error_response(exc, as_json)
    return success_response(result, as_json, signal)


def header_project(request: Request) -> str | None:
    name = (request.headers.get("x-spyglass-project") or "").strip()
    return name[:200] or None


async def traces(request: Request) -> Response:
    return await receive(request, request.app.state.store, header_project(request))


async def logs(request: Request) -> Response:
    return await receive(request, request.app.state.store, header_project(request), "logs")


async def metrics(request: Request) -> Response:
    return await receive(request, request.app.state.store, None, "metrics")


def _openapi(summary: str, response: str) -> dict[str, Any]:
    return {"post": {
        "tags": ["otlp"], "summary": f"{summary}; see docs/otlp.md",
        "parameters": [{"name": "x-spyglass-project", "in": "header", "required": False, "schema": {"type": "string"}}],
        "responses": {"200": {"description": response}}}}


# Plain Starlette routes (see app.py); their OpenAPI entries are written here.
routes = [Route("/v1/traces", traces, methods=["POST"]), Route("/v1/logs", logs, methods=["POST"]),
          Route("/v1/metrics", metrics, methods=["POST"])]
OPENAPI_PATHS = {
    "/v1/traces": _openapi("OTLP/HTTP trace export (protobuf or JSON)",
                           "ExportTraceServiceResponse, with partial_success when spans were rejected"),
    "/v1/logs": _openapi("OTLP/HTTP log export: the GenAI message events of spans (protobuf or JSON)",
                         "ExportLogsServiceResponse; records that are not GenAI events of a span are counted "
                         "in partial_success"),
    "/v1/metrics": _openapi("OTLP/HTTP metric export: acknowledged, not kept",
                            "ExportMetricsServiceResponse, every data point counted in partial_success")}
