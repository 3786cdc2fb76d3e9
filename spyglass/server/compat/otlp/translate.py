"""Decoded OTLP spans -> canonical span and trace records (shaped as in model/records.py).

Every convention's table is merged into one, so each attribute is looked at once whatever
mix of conventions a span carries. Raw attributes are always kept on the span.
"""

from __future__ import annotations

from typing import Any

from spyglass.server.compat.otlp.decode import Decoded, RawSpan, ResourceBatch
from spyglass.server.compat.otlp.mapping import genai, langfuse, openinference
from spyglass.server.compat.otlp.mapping.common import Place, collect, error_of, is_message_list
from spyglass.server.model.convert import from_us

TABLE = {**genai.TABLE, **openinference.TABLE, **langfuse.TABLE}
FAMILIES = {**genai.FAMILIES, **openinference.FAMILIES, **langfuse.FAMILIES}
FINISHERS = (genai.finish, openinference.finish, langfuse.finish)
USAGE_KEYS = tuple((f"usage.{key}", key) for key in ("prompt_tokens", "completion_tokens", "total_tokens",
                                                     "cached_tokens", "cache_write_tokens", "reasoning_tokens"))
TRACE_LEVEL = ("thread_id", "user_id", "trace.name", "trace.tags", "trace.metadata")
PROJECT_ATTRIBUTES = ("openinference.project.name", "service.name")
PREFIXED = ("meta.", "param.")


def resource_project(resource: dict[str, Any]) -> str | None:
    """The project a resource names; the SDKs' placeholder service name names none."""
    for key in PROJECT_ATTRIBUTES:
        name = resource.get(key)
        if isinstance(name, str) and name.strip() and not name.startswith("unknown_service"):
            return name.strip()[:200]
    return None


def _metadata(values: dict[str, Any]) -> dict[str, Any] | None:
    meta = dict(values["metadata"]) if "metadata" in values else {}
    if "lf.meta" in values:
        meta.update(values["lf.meta"])
    params: dict[str, Any] = {}
    for target, value in values.items():
        if target.startswith(PREFIXED):  # one test for the many targets that are neither
            if target.startswith("meta."):
                meta[target[5:]] = value
            else:
                params[target[6:]] = value
    if params:
        meta["model_parameters"] = {**params, **(meta.get("model_parameters") or {})}
    return meta or None


def _us(ns: int) -> int | None:
    return ns // 1000 if ns else None


def span_record(raw: RawSpan, project: str | None,
                places: dict[str, Place] | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The span, and the trace fields it carries (all of them for a root span)."""
    found = collect(raw.attributes, TABLE, FAMILIES, places)
    for finish in FINISHERS:
        finish(found, raw)
    v = found.values
    span_type = v.get("type") or "general"
    span_input = v.get("input")
    if span_type == "llm" and is_message_list(span_input):
        span_input = {"messages": span_input}
    usage = {key: v[target] for target, key in USAGE_KEYS if target in v}
    record: dict[str, Any] = {
        "id": raw.span_id, "trace_id": raw.trace_id, "parent_span_id": raw.parent_id, "project": project,
        "name": raw.name[:1000], "type": span_type, "start_time": _us(raw.start_ns), "end_time": _us(raw.end_ns),
        "input": span_input, "output": v.get("output"), "metadata": _metadata(v), "tags": v.get("tags"),
        "model": v["model"][:256] if "model" in v else None,
        "provider": v["provider"][:256].lower() if "provider" in v else None,
        "usage": usage or None, "cost": v.get("cost"),
        "error": error_of(raw, v.get("lf.level"), v.get("lf.status_message"))
        if raw.events or raw.status_code == 2 or "lf.level" in v else None,
        "attributes": raw.attributes or None,
        "events": [{"name": name, "time": from_us(ns // 1000), "attributes": attrs}
                   for name, ns, attrs in raw.events] or None,
    }
    if raw.parent_id is None:
        return record, _root_trace(record, v)
    if not v.keys().isdisjoint(TRACE_LEVEL):
        return record, _trace_fields(record, v)
    return record, None


def _trace_fields(span: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    metadata = {**(v.get("metadata") or {}), **(v.get("trace.metadata") or {})}
    return {"id": span["trace_id"], "project": span["project"], "name": v.get("trace.name"),
            "tags": v.get("trace.tags") or v.get("tags"), "metadata": metadata or None,
            "thread_id": v.get("thread_id"), "user_id": v["user_id"][:256] if "user_id" in v else None}


def _root_trace(span: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    trace = _trace_fields(span, v)
    trace.update(name=trace["name"] or span["name"], start_time=span["start_time"], end_time=span["end_time"],
                 input=v.get("trace.input", span["input"]), output=v.get("trace.output", span["output"]),
                 error=span["error"])
    return trace


def _merge(traces: dict[str, dict[str, Any]], trace: dict[str, Any]) -> None:
    """Several spans of one request may carry fields of the same trace: given fields win."""
    old = traces.get(trace["id"])
    if old is None:
        traces[trace["id"]] = trace
    else:
        old.update({k: val for k, val in trace.items() if val is not None})


def batch_records(batch: ResourceBatch, project: str | None, spans: list[dict[str, Any]],
                  traces: dict[str, dict[str, Any]], places: dict[str, Place]) -> None:
    for raw in batch.spans:
        span, trace = span_record(raw, project, places)
        spans.append(span)
        if trace is not None:
            _merge(traces, trace)


def records(decoded: Decoded, project: str | None) -> dict[str, list[dict[str, Any]]]:
    """Canonical records for `write_items`. `project` (from a header or credentials) wins over
    what each resource names; None leaves the default project to the writer."""
    spans: list[dict[str, Any]] = []
    traces: dict[str, dict[str, Any]] = {}
    places: dict[str, Place] = {}  # per request: bounded by the request's own keys
    for batch in decoded.batches:
        batch_records(batch, project or resource_project(batch.resource), spans, traces, places)
    return {"traces": list(traces.values()), "spans": spans}
