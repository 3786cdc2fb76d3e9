"""OTLP/gRPC receiver (`pip install "spyglass[grpc]"`): the same decode, mapping and
acknowledgement as OTLP/HTTP, on its own port, inside the app's event loop.

An export is answered only once its spans are committed. A full write queue answers
UNAVAILABLE, which OpenTelemetry exporters retry with backoff.
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


def _servicer(store: Store) -> Any:
    import grpc
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as rpc
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    from spyglass.server.compat.otlp.decode import decode_message
    from spyglass.server.compat.otlp.service import export

    class TraceReceiver(rpc.TraceServiceServicer):  # type: ignore[misc]
        async def Export(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC method name)
            try:
                result = await export(store, decode_message(request), _project(context))
            except (Overloaded, Unavailable) as exc:
                await context.abort(grpc.StatusCode.UNAVAILABLE, exc.message)
            except BadRequest as exc:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.message)
            except SpyglassError as exc:
                await context.abort(grpc.StatusCode.INTERNAL, exc.message)
            response = ExportTraceServiceResponse()
            if result.rejected:
                response.partial_success.rejected_spans = result.rejected
                response.partial_success.error_message = result.message
            return response

    return TraceReceiver(), rpc.add_TraceServiceServicer_to_server


async def start_grpc(store: Store, host: str, port: int) -> grpc.aio.Server:
    """Start listening; raises RuntimeError when grpcio is missing or the port is taken."""
    try:
        import grpc
    except ImportError:
        raise RuntimeError('SPYGLASS_OTLP_GRPC needs grpcio: pip install "spyglass[grpc]"') from None
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", store.settings.max_request_bytes)])
    servicer, add = _servicer(store)
    add(servicer, server)
    if server.add_insecure_port(f"{host}:{port}") == 0:
        raise RuntimeError(f"OTLP/gRPC cannot listen on {host}:{port}")
    await server.start()
    log.info("OTLP/gRPC listening on %s:%d", host, port)
    return server


async def stop_grpc(server: grpc.aio.Server) -> None:
    """Let exports in flight finish (their writes are committed before they answer)."""
    await server.stop(grace=5)
