"""OTLP trace payloads (protobuf or the OTLP JSON encoding) -> plain Python spans.

Both encodings produce the same `RawSpan`s, so the mapping never knows which one arrived.
Attribute values become plain Python values (str, int, float, bool, list, dict); ids become
lowercase hex. A span with unusable ids is counted as rejected, not raised: the rest of the
request is still written (OTLP partial success).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

import orjson
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from spyglass.server.errors import BadRequest

STATUS_ERROR = 2


class RawSpan:
    """One OTLP span, decoded. Times in nanoseconds since the epoch; ids in hex."""

    __slots__ = ("trace_id", "span_id", "parent_id", "name", "kind", "start_ns", "end_ns", "attributes",
                 "events", "status_code", "status_message")

    def __init__(self, trace_id: str, span_id: str, parent_id: str | None, name: str, kind: int, start_ns: int,
                 end_ns: int, attributes: dict[str, Any], events: list[tuple[str, int, dict[str, Any]]],
                 status_code: int, status_message: str) -> None:
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_id = parent_id
        self.name = name
        self.kind = kind
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.attributes = attributes
        self.events = events
        self.status_code = status_code
        self.status_message = status_message


@dataclass
class ResourceBatch:
    """The spans of one resource (one service / project)."""

    resource: dict[str, Any]
    spans: list[RawSpan] = field(default_factory=list)


@dataclass
class Rejections:
    """What an export refused (partial_success): how many, and why."""

    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        # Up to five different reasons: enough to diagnose, bounded for a huge bad batch.
        if reason not in self.reasons and len(self.reasons) < 5:
            self.reasons.append(reason)

    @property
    def message(self) -> str:
        return "; ".join(self.reasons)


@dataclass
class Decoded(Rejections):
    batches: list[ResourceBatch] = field(default_factory=list)


# -- protobuf ------------------------------------------------------------------------------


def pb_value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind == "string_value":
        return v.string_value
    if kind == "int_value":
        return v.int_value
    if kind == "double_value":
        return v.double_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "array_value":
        return [pb_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: pb_value(kv.value) for kv in v.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(v.bytes_value).decode()
    return None


def pb_attrs(kvs: Any) -> dict[str, Any]:
    out = {}
    for kv in kvs:
        value = kv.value
        # Most values are non-empty strings: reading the field first skips WhichOneof and a
        # call for them (an unset string reads as ""). About a sixth of decode time.
        text = value.string_value
        out[kv.key] = text if text else pb_value(value)
    return out


def decode_protobuf(body: bytes) -> Decoded:
    try:
        request = ExportTraceServiceRequest.FromString(body)
    except DecodeError as exc:
        raise BadRequest(f"body is not a valid OTLP ExportTraceServiceRequest: {exc}") from None
    return decode_message(request)


def decode_message(request: ExportTraceServiceRequest) -> Decoded:
    """A parsed request -> RawSpans."""
    out = Decoded()
    for rs in request.resource_spans:
        batch = ResourceBatch(pb_attrs(rs.resource.attributes))
        append = batch.spans.append
        for ss in rs.scope_spans:
            for s in ss.spans:
                tid, sid, pid = s.trace_id, s.span_id, s.parent_span_id
                if len(tid) != 16 or len(sid) != 8 or not any(tid) or not any(sid):
                    out.reject(f"span {s.name!r}: trace_id must be 16 bytes and span_id 8 bytes, not all zero")
                    continue
                events = [(e.name, e.time_unix_nano, pb_attrs(e.attributes)) for e in s.events] if s.events else []
                status = s.status
                append(RawSpan(tid.hex(), sid.hex(), pid.hex() if len(pid) == 8 and any(pid) else None, s.name,
                               s.kind, s.start_time_unix_nano, s.end_time_unix_nano, pb_attrs(s.attributes),
                               events, status.code, status.message))
        out.batches.append(batch)
    return out


# -- OTLP JSON -----------------------------------------------------------------------------


def json_value(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    for key, inner in v.items():  # exactly one key in valid OTLP JSON
        if key == "stringValue" or key == "boolValue":
            return inner
        if key == "intValue":
            return int(inner)
        if key == "doubleValue":
            return float(inner)
        if key == "arrayValue":
            return [json_value(x) for x in (inner or {}).get("values") or ()]
        if key == "kvlistValue":
            return json_attrs((inner or {}).get("values"))
        if key == "bytesValue":
            return inner
    return None


def json_attrs(kvs: Any) -> dict[str, Any]:
    if not kvs:
        return {}
    return {kv["key"]: json_value(kv.get("value")) for kv in kvs}


def json_id(value: Any, size: int) -> str | None:
    """OTLP JSON ids are hex; base64 (what a generic protobuf JSON printer emits) is accepted too."""
    if not value:
        return None
    if not isinstance(value, str):
        raise ValueError("id must be a string")
    if len(value) == size * 2:
        raw = bytes.fromhex(value)
    else:
        raw = base64.b64decode(value, validate=True)
    if len(raw) != size:
        raise ValueError(f"id must be {size} bytes")
    return raw.hex() if any(raw) else None


def _enum(value: Any, enum: Any) -> int:
    """OTLP JSON enums are integers; names (what a generic protobuf JSON printer writes) are accepted."""
    if isinstance(value, str) and not value.isdigit():
        return int(enum.Value(value))
    return int(value or 0)


def _json_span(s: dict[str, Any]) -> RawSpan:
    tid, sid = json_id(s.get("traceId"), 16), json_id(s.get("spanId"), 8)
    if tid is None or sid is None:
        raise ValueError("traceId and spanId are required and must not be all zero")
    status = s.get("status") or {}
    events = [(e.get("name") or "", int(e.get("timeUnixNano") or 0), json_attrs(e.get("attributes")))
              for e in s.get("events") or ()]
    return RawSpan(tid, sid, json_id(s.get("parentSpanId"), 8), s.get("name") or "",
                   _enum(s.get("kind"), Span.SpanKind), int(s.get("startTimeUnixNano") or 0),
                   int(s.get("endTimeUnixNano") or 0), json_attrs(s.get("attributes")), events,
                   _enum(status.get("code"), Status.StatusCode), status.get("message") or "")


def json_object(body: bytes, message: str) -> dict[str, Any]:
    """The JSON object of an OTLP request body (`message` names the request, for the error)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"body must be an OTLP {message} JSON object")
    return data


def decode_json(body: bytes) -> Decoded:
    data = json_object(body, "ExportTraceServiceRequest")
    try:
        return _json_request(data)
    except (AttributeError, TypeError, ValueError) as exc:
        raise BadRequest(f"body is not an OTLP ExportTraceServiceRequest: {exc}") from None


def _json_request(data: dict[str, Any]) -> Decoded:
    out = Decoded()
    for rs in data.get("resourceSpans") or ():
        batch = ResourceBatch(json_attrs((rs.get("resource") or {}).get("attributes")))
        # instrumentationLibrarySpans: the field's name before OTLP 0.15, still sent by old exporters
        for ss in (rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans") or ()):
            for s in ss.get("spans") or ():
                try:
                    batch.spans.append(_json_span(s))
                except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as exc:
                    name = s.get("name") if isinstance(s, dict) else None
                    out.reject(f"span {name!r}: {exc}")
        out.batches.append(batch)
    return out
