"""Records -> the JSON items of ``POST /api/v1/ingest`` (see docs/ingest-api.md).

Runs on the exporter thread. A record is first encoded as it is, in one ``orjson`` call
(fast, and values are kept whole); only when that fails (cycles, odd types, huge ints) or
the item is too large is it encoded again through the bounded ``to_jsonable`` walk.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any, Callable

import orjson

from .ids import format_id, format_time
from .records import ArgsInput, Chunks, ScoreData, SpanData, TraceData
from .serialize import DEFAULT_LIMITS, Limits, to_jsonable

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
Convert = Callable[[Any, Limits], Any]


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=_OPTIONS)


def _default(obj: Any) -> Any:
    """orjson's hook for types it does not know; the walk in serialize.py handles the rest."""
    dump = getattr(obj, "model_dump", None)
    if callable(dump) and not isinstance(obj, type):
        return dump(mode="json")
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return f"<{len(obj)} bytes>"
    if type(obj) is ArgsInput or type(obj) is Chunks:
        return _raw(obj)
    return to_jsonable(obj)


def _as_is(value: Any, limits: Limits) -> Any:
    return _raw(value)


def _bounded(value: Any, limits: Limits) -> Any:
    return to_jsonable(_raw(value), limits)


def encode_bytes(record: Any, default_project: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """One ingest item as JSON bytes; never raises for odd user values."""
    encoder = _ENCODERS[type(record)]
    try:
        out = orjson.dumps(encoder(record, default_project, limits, _as_is), default=_default, option=_OPTIONS)
        if len(out) <= limits.max_field:
            return out
    except (TypeError, ValueError):
        pass
    try:
        return dumps(encoder(record, default_project, limits, _bounded))
    except (TypeError, ValueError):  # e.g. a string with lone surrogates
        return dumps(encoder(record, default_project, limits, lambda v, lim: "<unserializable>"))


def encode(record: Any, default_project: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """One ingest item as a dict, exactly as it is sent."""
    result: dict[str, Any] = orjson.loads(encode_bytes(record, default_project, limits))
    return result


_USAGE_ALIASES = {"input_tokens": "prompt_tokens", "output_tokens": "completion_tokens"}
_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "cache_write_tokens")


def _raw(value: Any) -> Any:
    if type(value) is ArgsInput:
        return value.as_dict()
    if type(value) is Chunks:
        return value.value()
    return value


def _put_common(
    d: dict[str, Any], r: TraceData | SpanData, project: str, default_project: str, lim: Limits, conv: Convert
) -> None:
    if project != default_project:
        d["project"] = project
    if r.end_ns is not None:
        d["end_time"] = format_time(r.end_ns)
    if r.input is not None:
        d["input"] = conv(r.input, lim)
    if r.output is not None:
        d["output"] = conv(r.output, lim)
    if r.metadata:
        d["metadata"] = conv(r.metadata, lim)
    if r.tags:
        d["tags"] = [str(t) for t in r.tags]
    if r.error is not None:
        d["error"] = error_dict(r.error)


def encode_span(s: SpanData, default_project: str, lim: Limits, conv: Convert) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": format_id(s.id),  # type: ignore[arg-type]
        "trace_id": format_id(s.trace.id),
        "name": s.name,
        "type": s.type,
        "start_time": format_time(s.start_ns),
    }
    if s.parent_id is not None:
        d["parent_span_id"] = format_id(s.parent_id)
    _put_common(d, s, s.trace.project, default_project, lim, conv)
    if s.model is not None:
        d["model"] = str(s.model)
    if s.provider is not None:
        d["provider"] = str(s.provider)
    if s.usage:
        d["usage"] = normalize_usage(s.usage)
    if s.cost is not None:
        d["cost"] = float(s.cost)
    if s.attributes:
        d["attributes"] = conv(s.attributes, lim)
    return d


def encode_trace(t: TraceData, default_project: str, lim: Limits, conv: Convert) -> dict[str, Any]:
    d: dict[str, Any] = {"id": format_id(t.id), "start_time": format_time(t.start_ns)}
    if t.name is not None:
        d["name"] = t.name
    _put_common(d, t, t.project, default_project, lim, conv)
    if t.thread_id is not None:
        d["thread_id"] = str(t.thread_id)
    if t.user_id is not None:
        d["user_id"] = str(t.user_id)
    return d


def encode_score(s: ScoreData, default_project: str, lim: Limits, conv: Convert) -> dict[str, Any]:
    d: dict[str, Any] = {"target": s.target, "target_id": format_id(s.target_id), "name": s.name, "source": s.source}
    if s.value is not None:
        d["value"] = float(s.value)
    for key in ("label", "reason", "author"):
        v = getattr(s, key)
        if v is not None:
            d[key] = str(v)
    if s.project is not None and s.project != default_project:
        d["project"] = s.project
    return d


_ENCODERS: dict[type, Callable[[Any, str, Limits, Convert], dict[str, Any]]] = {
    SpanData: encode_span,
    TraceData: encode_trace,
    ScoreData: encode_score,
}


def error_dict(error: Any) -> dict[str, Any]:
    if isinstance(error, BaseException):
        tb = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return {"type": type(error).__name__, "message": str(error)[:10_000], "traceback": tb[-20_000:]}
    if isinstance(error, dict):
        return {"type": str(error.get("type", "Error")), **{k: str(v) for k, v in error.items() if k != "type"}}
    return {"type": "Error", "message": str(error)}


def normalize_usage(usage: Any) -> dict[str, int]:
    """Token counts in the canonical names; accepts OpenAI- and Anthropic-style keys."""
    if not isinstance(usage, dict):
        usage = to_jsonable(usage)
        if not isinstance(usage, dict):
            return {}
    out: dict[str, int] = {}
    for key, value in usage.items():
        key = _USAGE_ALIASES.get(key, key)
        if key in _USAGE_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = int(value)
    if "total_tokens" not in out and ("prompt_tokens" in out or "completion_tokens" in out):
        out["total_tokens"] = out.get("prompt_tokens", 0) + out.get("completion_tokens", 0)
    return out
