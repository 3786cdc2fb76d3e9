"""Canonical views (model/views.py) -> Opik's TracePublic, SpanPublic, TraceThread, ProjectPublic.

The SDK parses these with lenient models, but a few fields are required or typed narrowly:
`start_time` is required, `input`/`output` must be an object, a list of objects or a string,
`usage` maps names to integers, and a feedback score needs a numeric `value`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from spyglass.server.compat.opik.translate import RAW_USAGE_KEY

EPOCH = "1970-01-01T00:00:00.000000Z"
THREAD_IDLE = timedelta(minutes=15)  # a thread with no new trace for this long reads as inactive
SCORE_SOURCES = {"online_eval": "online_scoring"}


def payload(value: Any, key: str) -> Any:
    """A JSON value in a shape Opik accepts (object, list of objects or string)."""
    if value is None or isinstance(value, dict | str):
        return value
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    return {key: value}


def error_info(error: dict[str, Any] | None) -> dict[str, Any] | None:
    if not error:
        return None
    return {"exception_type": error.get("type") or "Error", "message": error.get("message"),
            "traceback": error.get("traceback") or ""}


def score_public(score: dict[str, Any]) -> dict[str, Any]:
    return {"name": score["name"], "value": score["value"], "category_name": score["label"],
            "reason": score["reason"], "source": SCORE_SOURCES.get(score["source"], score["source"]),
            "created_by": score["author"], "created_at": score["time"], "last_updated_at": score["updated_at"]}


def scores_public(scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Opik scores always carry a number; a category-only Spyglass score has none to show.
    return [score_public(s) for s in scores if s["value"] is not None]


def usage_public(usage: dict[str, Any] | None) -> dict[str, int] | None:
    if not usage:
        return None
    counts = {k: int(v) for k, v in usage.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    return counts or None


def _kept(meta: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = meta.get(key)
    return value if isinstance(value, kind) and not isinstance(value, bool) else None


def _shared(view: dict[str, Any]) -> dict[str, Any]:
    meta = view["metadata"] if isinstance(view["metadata"], dict) else {}
    return {
        "id": view["id"],
        "name": view["name"],
        "start_time": view["start_time"] or view["end_time"] or EPOCH,
        "end_time": view["end_time"],
        "input": payload(view["input"], "input"),
        "output": payload(view["output"], "output"),
        "metadata": view["metadata"],
        "tags": view["tags"],
        "error_info": error_info(view["error"]),
        "feedback_scores": scores_public(view["feedback_scores"]),
        "total_estimated_cost": view["cost"],
        "duration": view["duration_ms"],
        "ttft": _kept(meta, "ttft", (int, float)),
        "source": _kept(meta, "source", str) or "sdk",
        "environment": _kept(meta, "environment", str),
    }


def trace_public(view: dict[str, Any], project_id: str | None) -> dict[str, Any]:
    return {**_shared(view), "project_id": project_id, "usage": usage_public(view["usage"]),
            "span_count": view["span_count"], "thread_id": view["thread_id"]}


def span_public(view: dict[str, Any], project_id: str | None) -> dict[str, Any]:
    raw_usage = (view.get("attributes") or {}).get(RAW_USAGE_KEY)
    return {**_shared(view), "project_id": project_id, "project_name": view["project"],
            "trace_id": view["trace_id"], "parent_span_id": view["parent_span_id"], "type": view["type"],
            "model": view["model"], "provider": view["provider"],
            "usage": usage_public(raw_usage if isinstance(raw_usage, dict) else view["usage"])}


def thread_status(last_activity: str | None, now: datetime | None = None) -> str:
    if not last_activity:
        return "active"
    idle = (now or datetime.now(UTC)) - datetime.fromisoformat(last_activity) > THREAD_IDLE
    return "inactive" if idle else "active"


def thread_public(view: dict[str, Any], project_id: str | None, traces: list[dict[str, Any]] | None = None
                  ) -> dict[str, Any]:
    """`traces`, when given, are the thread's traces in order (for the first and last message)."""
    out = {
        "id": view["id"], "thread_model_id": view["id"], "project_id": project_id,
        "start_time": view["start_time"], "end_time": view["last_activity"], "duration": view["duration_ms"],
        "last_updated_at": view["last_activity"], "created_at": view["start_time"],
        "number_of_messages": view["turn_count"], "status": thread_status(view["last_activity"]),
        "feedback_scores": scores_public(view["feedback_scores"]),
    }
    if traces:
        out["first_message"] = payload(traces[0]["input"], "input")
        out["last_message"] = payload(traces[-1]["output"], "output")
        out["total_estimated_cost"] = sum(t["cost"] or 0.0 for t in traces)
        out["usage"] = {key: sum(t["usage"][key] or 0 for t in traces)
                        for key in ("prompt_tokens", "completion_tokens", "total_tokens")}
    return out


def project_public(project: dict[str, Any]) -> dict[str, Any]:
    return {"id": project["id"], "name": project["name"], "description": project.get("description"),
            "visibility": "private", "created_at": project.get("created_at"),
            "last_updated_at": project.get("last_activity") or project.get("created_at"),
            "last_updated_trace_at": project.get("last_activity")}
