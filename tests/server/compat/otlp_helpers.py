"""Real OpenTelemetry SDK spans as OTLP requests (protobuf and OTLP JSON), and a live server."""

from __future__ import annotations

import base64
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import uvicorn
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Tracer, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from spyglass.server.app import create_app
from spyglass.server.settings import Settings

PB = {"content-type": "application/x-protobuf"}


def sdk_request(build: Callable[[Tracer], None], resource: dict[str, Any] | None = None) -> ExportTraceServiceRequest:
    """Run `build` with a real SDK tracer and encode what it recorded as an OTLP request."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(resource or {}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    build(provider.get_tracer("tests"))
    provider.shutdown()
    return encode_spans(exporter.get_finished_spans())


def _hex_ids(node: Any) -> None:
    """OTLP JSON carries ids as hex, where the generic protobuf JSON printer writes base64."""
    if isinstance(node, dict):
        for key, val in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and val:
                node[key] = base64.b64decode(val).hex()
            else:
                _hex_ids(val)
    elif isinstance(node, list):
        for item in node:
            _hex_ids(item)


def otlp_json(request: ExportTraceServiceRequest) -> bytes:
    data = json_format.MessageToDict(request, use_integers_for_enums=True)
    _hex_ids(data)
    return orjson.dumps(data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    grpc_port: int
    app: Any


@contextmanager
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The real app under uvicorn in a thread (exporters need a socket, not an ASGI transport)."""
    port = free_port()
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", settings.otlp_grpc_port, app)
    finally:
        server.should_exit = True
        thread.join(15)
