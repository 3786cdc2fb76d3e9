"""Langfuse SDK (v3+) attributes: `langfuse.observation.*` and `langfuse.trace.*`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spyglass.server.compat.otlp.mapping.common import (
    Entry,
    Found,
    json_dict,
    json_or_text,
    kind_of,
    thread_id,
    to_float,
    to_int,
    to_str,
    to_tags,
)

if TYPE_CHECKING:
    from spyglass.server.compat.otlp.decode import RawSpan

P = 30

# "span", "event" and "evaluator" say nothing specific: they must not override another
# convention's type, so they map to nothing and the span stays `general` unless told more.
TYPES = {"generation": "llm", "agent": "agent", "tool": "tool", "chain": "chain", "retriever": "retriever",
         "embedding": "embedding", "guardrail": "guardrail"}

OBS = "langfuse.observation."
TABLE: dict[str, Entry] = {
    OBS + "type": ("type", kind_of(TYPES), P),
    OBS + "input": ("input", json_or_text, P),
    OBS + "output": ("output", json_or_text, P),
    OBS + "metadata": ("lf.metadata", json_dict, P),
    OBS + "level": ("lf.level", to_str, P),
    OBS + "status_message": ("lf.status_message", to_str, P),
    OBS + "model.name": ("model", to_str, P),
    OBS + "model.parameters": ("lf.model_parameters", json_dict, P),
    OBS + "usage_details": ("lf.usage", json_dict, P),
    OBS + "cost_details": ("lf.cost", json_dict, P),
    OBS + "completion_start_time": ("meta.completion_start_time", json_or_text, P),
    OBS + "prompt.name": ("meta.prompt_name", None, P),
    OBS + "prompt.version": ("meta.prompt_version", None, P),
    "langfuse.trace.name": ("trace.name", to_str, P),
    "langfuse.trace.input": ("trace.input", json_or_text, P),
    "langfuse.trace.output": ("trace.output", json_or_text, P),
    "langfuse.trace.tags": ("trace.tags", to_tags, P),
    "langfuse.trace.metadata": ("trace.metadata", json_dict, P),
    "langfuse.session.id": ("thread_id", thread_id, P),
    "langfuse.user.id": ("user_id", to_str, P),
    "langfuse.environment": ("meta.environment", None, P),
    "langfuse.release": ("meta.release", None, P),
    "langfuse.version": ("meta.version", None, P),
}

FAMILIES = {"langfuse.observation": "lf.observation", "langfuse.trace": "lf.trace"}


def _sum(details: dict[str, Any], match: Any) -> int | None:
    counts = [to_int(v) for k, v in details.items() if match(k)]
    known = [c for c in counts if c is not None]
    return sum(known) if known else None


def _is_input(key: str) -> bool:
    return key == "input" or key.startswith("input_") or "input_tokens" in key or key.startswith("cache_")


def usage(details: dict[str, Any]) -> dict[str, int | None]:
    """Langfuse usage keys -> canonical usage. Langfuse counts cache reads/writes apart from
    `input` (each has its own price), while Spyglass's prompt_tokens includes them."""
    if "prompt_tokens" in details or "completion_tokens" in details:  # OpenAI-shaped usage
        return {"prompt_tokens": to_int(details.get("prompt_tokens")),
                "completion_tokens": to_int(details.get("completion_tokens")),
                "total_tokens": to_int(details.get("total_tokens"))}
    return {
        "prompt_tokens": _sum(details, _is_input),
        "completion_tokens": _sum(details, lambda k: k == "output" or k.startswith("output_")),
        "total_tokens": to_int(details.get("total")),
        "cached_tokens": _sum(details, lambda k: "cache_read" in k or "cached" in k),
        "cache_write_tokens": _sum(details, lambda k: "cache_creation" in k or "cache_write" in k),
        "reasoning_tokens": _sum(details, lambda k: "reasoning" in k),
    }


def _metadata(group: dict[str, Any] | None) -> dict[str, Any]:
    """Flattened `...metadata.<key>` attributes; each value is JSON-encoded by the SDK."""
    if not group:
        return {}
    return {k[9:]: json_or_text(v) for k, v in group.items() if k.startswith("metadata.")}


def finish(found: Found, raw: RawSpan) -> None:
    v, groups = found.values, found.groups
    if "lf.usage" in v:
        for key, count in usage(v["lf.usage"]).items():
            found.put(f"usage.{key}", count, P)
    if "lf.cost" in v:
        costs = v["lf.cost"]
        total = to_float(costs["total"]) if "total" in costs else None
        if total is None:
            parts = [c for c in (to_float(x) for x in costs.values()) if c is not None]
            total = sum(parts) if parts else None
        found.put("cost", total, P)
    if "lf.metadata" in v or "lf.observation" in groups:
        meta = {**(v.get("lf.metadata") or {}), **_metadata(groups.get("lf.observation"))}
        if meta:
            found.put("lf.meta", meta, P)
    if "trace.metadata" in v or "lf.trace" in groups:
        trace_meta = {**(v.get("trace.metadata") or {}), **_metadata(groups.get("lf.trace"))}
        if trace_meta:
            found.put("trace.metadata", trace_meta, P)
    if "lf.model_parameters" in v:
        found.put("meta.model_parameters", v["lf.model_parameters"], P)
    if v.get("lf.level") in ("WARNING", "DEBUG"):
        found.put("meta.level", v["lf.level"], P)
