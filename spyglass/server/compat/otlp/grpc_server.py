"""OTLP/gRPC receiver (`pip install "spyglass[grpc]"`): the same decode, mapping and
acknowledgement as OTLP/HTTP (traces, and the GenAI log records of spans), on its own port,
inside the app's event loop.

The method is registered with no request deserializer, so an export arrives as the bytes of
its message, exactly like an OTLP/HTTP protobuf body, and takes the same path: a large one
is prepared in a helper process (ingest/offload.py). An export is answered only once its
spans are committed. A full write queue answers UNAVAILABLE, which OpenTelemetry exporters
retry with backoff; a message that does not decode answers INVALID_ARGUMENT.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from spyglass.server.errors import BadRequest, Overloaded, SpyglassError, Unavailable

if TYPE_CHECKING:
    import grpc

    from spyglass.server.store.base import Store

log = logging.getLogger("spyglass.otlp.grpc")


def _project(context: Any) -> str | None:
    for key, value in context.invocation_metadata() or ():
        if key == "x-spyglass-project" and isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


SERVICES = {"traces": "opentelemetry.proto.collector.trace.v1.TraceService",
            "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
            "metrics": "opentelemetry.proto.collector.metrics.v1.MetricsService"}


def _handlers(store: Store) -> list[Any]:
    """TraceService/Export; LogsService/Export for the GenAI log records of spans (logs.py);
    MetricsService/Export, acknowledged and not kept (metrics.py)."""
    import grpc

    from spyglass.server.compat.otlp.http import RESPONSES
    from spyglass.server.compat.otlp.service import export

    def method(signal: str) -> Any:
        response_class, field, _ = RESPONSES[signal]

        async def export_signal(body: bytes, context: Any) -> Any:
            try:
                result = await export(store, body, _project(context), signal=signal)
            except (Overloaded, Unavailable) as exc:
                await context.abort(grpc.StatusCode.UNAVAILABLE, exc.message)
            except BadRequest as exc:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.message)
            except SpyglassError as exc:
                await context.abort(grpc.StatusCode.INTERNAL, exc.message)
            response = response_class()
            if result.rejected:
                setattr(response.partial_success, field, result.rejected)
                response.partial_success.error_message = result.message
            return response

        handler = grpc.unary_unary_rpc_method_handler(export_signal,
                                                      response_serializer=response_class.SerializeToString)
        return grpc.method_handlers_generic_handler(SERVICES[signal], {"Export": handler})

    return [method(signal) for signal in SERVICES]


async def start_grpc(store: Store, host: str, port: int) -> grpc.aio.Server:
    """Start listening; raises RuntimeError when grpcio is missing or the port is taken."""
    try:
        import grpc
    except ImportError:
        raise RuntimeError('SPYGLASS_OTLP_GRPC needs grpcio: pip install "spyglass[grpc]"') from None
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", store.settings.max_request_bytes)])
    server.add_generic_rpc_handlers(_handlers(store))
    if server.add_insecure_port(f"{host}:{port}") == 0:
        raise RuntimeError(f"OTLP/gRPC cannot listen on {host}:{port}")
    await server.start()
    log.info("OTLP/gRPC listening on %s:%d", host, port)
    return server


async def stop_grpc(server: grpc.aio.Server) -> None:
    """Let exports in flight finish (their writes are committed before they answer)."""
    await server.stop(grace=5)
