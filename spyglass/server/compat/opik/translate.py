"""Opik's TraceWrite/SpanWrite/updates and feedback scores -> canonical records (model/records.py).

The records are plain dicts with only the fields Opik gave, so an update never blanks a
stored field (the ingest writer merges: a field given wins over a field missing).

Where Opik has no field of its own for something Spyglass models, it is taken from metadata:
- thread: `thread_id`, else `metadata.conversation_id` (Dify sends its conversation id only there);
- user: `metadata.user_id`, else `metadata.end_user_id` (Dify again);
- error: `error_info`, else, for data created by Dify (`metadata.created_from = "dify"`), a
  failed `metadata.status` or a non-empty `metadata.error` (Dify reports failures only there).
Opik fields Spyglass has no column for (`ttft`, `source`, `environment`) are kept in metadata.
"""

from __future__ import annotations

import math
import re
from typing import Any

from spyglass.server.model.ids import uuid7
from spyglass.server.model.records import ID_PATTERN, SPAN_TYPES

VALID_ID = re.compile(ID_PATTERN)
KEPT_IN_METADATA = ("ttft", "source", "environment")
DIFY_FAILED = frozenset({"failed", "error", "exception"})
SCORE_SOURCES = {"sdk": "sdk", "ui": "ui", "online_scoring": "online_eval"}
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
# Provider usage the SDK flattens under `original_usage.` -> canonical usage fields.
EXTRA_USAGE = {
    "cached_tokens": ("cached_tokens", "original_usage.prompt_tokens_details.cached_tokens",
                      "original_usage.input_tokens_details.cached_tokens", "original_usage.cache_read_input_tokens",
                      "original_usage.cached_content_token_count"),
    "cache_write_tokens": ("cache_write_tokens", "original_usage.cache_creation_input_tokens"),
    "reasoning_tokens": ("reasoning_tokens", "original_usage.completion_tokens_details.reasoning_tokens",
                         "original_usage.output_tokens_details.reasoning_tokens",
                         "original_usage.thoughts_token_count"),
}
RAW_USAGE_KEY = "opik.usage"  # span attribute keeping the SDK's full usage dict


def _set(record: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        record[key] = value


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return int(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _kept_fields(item: dict[str, Any]) -> dict[str, Any]:
    kept = {key: item[key] for key in KEPT_IN_METADATA if item.get(key) is not None}
    if kept.get("source") == "sdk":
        del kept["source"]  # the default: not worth a metadata key on every trace
    return kept


def metadata_of(item: dict[str, Any], stored: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The item's metadata as an object, with the Opik fields Spyglass keeps there (the
    item's own keys win). `stored` is the stored metadata when the item is an update: an
    update that names no metadata changes it only to add a kept field it lacks."""
    given, kept = item.get("metadata"), _kept_fields(item)
    if given is None:
        if stored is not None and all(key in stored for key in kept):
            return None
        meta = dict(stored or {})
    elif isinstance(given, dict):
        meta = dict(given)
    else:
        meta = {"value": given}
    for key, value in kept.items():
        meta.setdefault(key, value)
    return meta if meta or given is not None else None


def error_of(item: dict[str, Any], meta: dict[str, Any] | None) -> dict[str, Any] | None:
    info = item.get("error_info")
    if isinstance(info, dict):
        return {"type": info.get("exception_type"), "message": info.get("message"),
                "traceback": info.get("traceback")}
    if not meta or meta.get("created_from") != "dify":
        return None
    message = _text(meta.get("error"))
    status = meta.get("status")
    if message is None and isinstance(status, str) and status.lower() in DIFY_FAILED:
        message = f"status: {status}"
    return {"type": "DifyError", "message": message} if message else None


def _thread(item: dict[str, Any], meta: dict[str, Any] | None) -> str | None:
    given = _text(item.get("thread_id"))
    if given is None and meta:
        given = _text(meta.get("conversation_id"))
    return given if given is not None and VALID_ID.match(given) else None


def _user(meta: dict[str, Any] | None) -> str | None:
    if not meta:
        return None
    found = _text(meta.get("user_id")) or _text(meta.get("end_user_id"))
    return found[:256] if found else None


def usage_of(usage: Any) -> dict[str, int] | None:
    if not isinstance(usage, dict) or not usage:
        return None
    out: dict[str, int] = {}
    for key in USAGE_KEYS:
        _set(out, key, _count(usage.get(key)))
    for key, sources in EXTRA_USAGE.items():
        for source in sources:
            found = _count(usage.get(source))
            if found is not None:
                out[key] = found
                break
    return out or None


def _cost(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _common(item: dict[str, Any], record: dict[str, Any], stored: dict[str, Any] | None
            ) -> dict[str, Any] | None:
    """Fields traces and spans share; returns the metadata it used."""
    meta = metadata_of(item, stored)
    _set(record, "project", _text(item.get("project_name")))
    _set(record, "name", item.get("name"))
    _set(record, "start_time", item.get("start_time"))
    _set(record, "end_time", item.get("end_time"))
    _set(record, "input", item.get("input"))
    _set(record, "output", item.get("output"))
    _set(record, "tags", item.get("tags"))
    _set(record, "error", error_of(item, meta))
    return meta


def trace_record(item: dict[str, Any], stored_metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A TraceWrite, or a TraceUpdate (with the stored metadata, `{}` if none) as a trace record."""
    record: dict[str, Any] = {"id": item.get("id") or uuid7()}
    meta = _common(item, record, stored_metadata)
    thread = _thread(item, meta)
    _set(record, "thread_id", thread)
    if thread is None and _text(item.get("thread_id")):
        # Not usable as a Spyglass thread id: keep it visible in metadata instead.
        meta = {**(stored_metadata or {}), **(meta or {})}
        meta.setdefault("thread_id", item["thread_id"])
    _set(record, "user_id", _user(meta))
    _set(record, "metadata", meta)
    return record


def span_type(value: Any) -> str | None:
    if value is None:
        return None
    return value if value in SPAN_TYPES else "general"


def span_record(item: dict[str, Any], stored_metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A SpanWrite, or a SpanUpdate (with the stored metadata, `{}` if none) as a span record."""
    record: dict[str, Any] = {"id": item.get("id") or uuid7(), "trace_id": item.get("trace_id")}
    meta = _common(item, record, stored_metadata)
    _set(record, "metadata", meta)
    _set(record, "parent_span_id", item.get("parent_span_id"))
    _set(record, "type", span_type(item.get("type")))
    _set(record, "model", item.get("model"))
    _set(record, "provider", item.get("provider"))
    _set(record, "usage", usage_of(item.get("usage")))
    _set(record, "cost", _cost(item.get("total_estimated_cost")))
    usage = item.get("usage")
    if isinstance(usage, dict) and set(usage) - set(USAGE_KEYS):
        record["attributes"] = {RAW_USAGE_KEY: usage}
    return record


def retag(current: list[str], add: list[Any] | None, remove: list[Any] | None) -> list[str]:
    """Opik's tags_to_add / tags_to_remove applied to the stored tags, order kept."""
    drop = {t for t in remove or () if isinstance(t, str)}
    out = [t for t in current if t not in drop]
    out.extend(t for t in dict.fromkeys(add or ()) if isinstance(t, str) and t not in out and t not in drop)
    return out


def score_record(item: dict[str, Any], target: str, target_id: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"target": target, "target_id": target_id, "name": item.get("name")}
    _set(record, "project", _text(item.get("project_name")))
    value = item.get("value")
    _set(record, "value", value if isinstance(value, int | float) and not isinstance(value, bool)
         and math.isfinite(value) else None)
    _set(record, "label", item.get("category_name"))
    _set(record, "reason", item.get("reason"))
    _set(record, "author", _text(item.get("author")))
    source = item.get("source")
    record["source"] = SCORE_SOURCES.get(source, "api") if isinstance(source, str) else "sdk"
    return record
