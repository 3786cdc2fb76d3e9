"""OTLP log records that carry a span's GenAI messages -> that span's input and output.

OpenTelemetry's own GenAI instrumentations (opentelemetry-instrumentation-openai-v2 and its
siblings) send prompts and completions as log records of the model call's span, not as span
attributes: one record per message (`gen_ai.user.message` ... `gen_ai.choice`, semantic
conventions up to 1.36) or one `gen_ai.client.inference.operation.details` record (the latest
conventions). The records of one span are read as that span's events and attributes and go
through the same GenAI mapping as a span (translate.py); the span is then written with its
input and output only, so the records may arrive before or after the span itself.

Spyglass is not a log store: other records (no span, or not a GenAI event) are answered as
rejected in `partial_success`, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from spyglass.server.compat.otlp.decode import (
    RawSpan,
    Rejections,
    json_attrs,
    json_id,
    json_object,
    json_value,
    pb_attrs,
    pb_value,
)
from spyglass.server.compat.otlp.translate import resource_project, span_record
from spyglass.server.errors import BadRequest

NOT_STORED = "not a GenAI event of a span (gen_ai.* with trace and span ids): Spyglass keeps only those"
Event = tuple[str, int, dict[str, Any]]


@dataclass
class SpanLogs:
    """The GenAI records of one span: their attributes merged, each record as an event."""

    project: str | None
    trace_id: str
    span_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


@dataclass
class DecodedLogs(Rejections):
    spans: dict[tuple[str, str], SpanLogs] = field(default_factory=dict)

    def add(self, project: str | None, trace_id: str | None, span_id: str | None, name: str, time_ns: int,
            attributes: dict[str, Any], body: Any) -> None:
        if not trace_id or not span_id or not name.startswith("gen_ai."):
            self.reject(NOT_STORED)
            return
        span = self.spans.get((trace_id, span_id))
        if span is None:
            span = self.spans[(trace_id, span_id)] = SpanLogs(project, trace_id, span_id)
        span.attributes.update(attributes)
        # A message event's fields (content, role, tool_calls, message...) are its body.
        fields = {**attributes, **body} if isinstance(body, dict) else \
            {**attributes, "content": body} if body is not None else attributes
        span.events.append((name, time_ns, fields))


def _hex_id(raw: bytes, size: int) -> str | None:
    return raw.hex() if len(raw) == size and any(raw) else None


def decode_logs_protobuf(body: bytes, project: str | None) -> DecodedLogs:
    try:
        request = ExportLogsServiceRequest.FromString(body)
    except DecodeError as exc:
        raise BadRequest(f"body is not a valid OTLP ExportLogsServiceRequest: {exc}") from None
    out = DecodedLogs()
    for rl in request.resource_logs:
        batch_project = project or resource_project(pb_attrs(rl.resource.attributes))
        for sl in rl.scope_logs:
            for r in sl.log_records:
                attributes = pb_attrs(r.attributes)
                name = r.event_name or str(attributes.get("event.name") or "")
                body = pb_value(r.body) if r.HasField("body") else None
                out.add(batch_project, _hex_id(r.trace_id, 16), _hex_id(r.span_id, 8), name,
                        r.time_unix_nano or r.observed_time_unix_nano, attributes, body)
    return out


def decode_logs_json(body: bytes, project: str | None) -> DecodedLogs:
    data = json_object(body, "ExportLogsServiceRequest")
    out = DecodedLogs()
    try:
        for rl in data.get("resourceLogs") or ():
            batch_project = project or resource_project(json_attrs((rl.get("resource") or {}).get("attributes")))
            for sl in rl.get("scopeLogs") or ():
                for r in sl.get("logRecords") or ():
                    _json_record(out, batch_project, r)
    except (AttributeError, TypeError) as exc:
        raise BadRequest(f"body is not an OTLP ExportLogsServiceRequest: {exc}") from None
    return out


def _json_record(out: DecodedLogs, project: str | None, r: dict[str, Any]) -> None:
    try:
        trace_id, span_id = json_id(r.get("traceId"), 16), json_id(r.get("spanId"), 8)
    except ValueError as exc:
        out.reject(f"log record ids: {exc}")
        return
    attributes = json_attrs(r.get("attributes"))
    name = r.get("eventName") or str(attributes.get("event.name") or "")
    time_ns = int(r.get("timeUnixNano") or r.get("observedTimeUnixNano") or 0)
    body = json_value(r["body"]) if r.get("body") is not None else None
    out.add(project, trace_id, span_id, name, time_ns, attributes, body)


def records(decoded: DecodedLogs) -> dict[str, list[dict[str, Any]]]:
    """One partial span record per span: its id, trace and the input/output its records give.
    The other fields stay as the span's own export writes them (or wrote them)."""
    spans = []
    for logs in decoded.spans.values():
        raw = RawSpan(logs.trace_id, logs.span_id, None, "", 0, 0, 0, logs.attributes, logs.events, 0, "")
        mapped, _ = span_record(raw, logs.project)
        if mapped["input"] is None and mapped["output"] is None:
            continue  # events without content (capture turned off): nothing to add to the span
        spans.append({"id": logs.span_id, "trace_id": logs.trace_id, "project": logs.project,
                      "input": mapped["input"], "output": mapped["output"]})
    return {"traces": [], "spans": spans}
