"""Opik's list filters and sorting -> the Spyglass filter language (docs/filter-language.md).

Opik sends filters as a list of `{field, operator, key, value}` (all ANDed, values as strings).
Fields and operators without a Spyglass equivalent answer 501 naming them.
"""

from __future__ import annotations

from typing import Any

import orjson

from spyglass.server.compat.opik.body import parse_json
from spyglass.server.compat.opik.routing import NotSupported
from spyglass.server.errors import BadRequest

TEXT_FIELDS = {"id": "id", "name": "name", "thread_id": "thread_id", "model": "model", "provider": "provider",
               "trace_id": "trace_id", "type": "type"}
NUMBER_FIELDS = {"total_estimated_cost": "cost", "usage.total_tokens": "tokens",
                 "usage.prompt_tokens": "prompt_tokens", "usage.completion_tokens": "completion_tokens"}
TIME_FIELDS = ("start_time", "end_time")
COMPARE = {"=": "=", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
SEARCH = {"contains": "~", "not_contains": "!~"}
SORT_FIELDS = {"start_time": "start_time", "end_time": "end_time", "name": "name", "duration": "duration",
               "total_estimated_cost": "cost", "usage.total_tokens": "tokens", "span_count": "span_count",
               "model": "model"}


def quote(value: str) -> str:
    return orjson.dumps(value).decode()


def _number(value: str, field: str) -> str:
    try:
        float(value)
    except ValueError:
        raise BadRequest(f"filters: {field} needs a number, got {value!r}") from None
    return value.strip()


def _unsupported(field: str, operator: str) -> NotSupported:
    return NotSupported(f"filters: '{field} {operator}' is not supported by Spyglass")


def _text(column: str, op: str, value: str, field: str) -> str:
    if op in COMPARE:
        return f"{column} {COMPARE[op]} {quote(value)}"
    if op in SEARCH:
        return f"{column} {SEARCH[op]} {quote(value)}"
    if op in ("in", "not_in"):
        items = ", ".join(quote(v.strip()) for v in value.split(",") if v.strip())
        return f"{column} {'not in' if op == 'not_in' else 'in'} [{items}]"
    if op in ("is_empty", "is_not_empty"):
        return f"{column} is {'not ' if op == 'is_not_empty' else ''}null"
    raise _unsupported(field, op)


def _json_key(column: str, key: str, op: str, value: str, field: str) -> str:
    if not key or '"' in key or "\\" in key:
        raise BadRequest(f"filters: {field} needs a key without quotes or backslashes")
    ref = f"{column}.{quote(key)}"
    if op in ("=", "!="):
        alternatives = [f"{ref} = {quote(value)}"]
        try:  # Opik compares the stored value's text: 3 matches "3" and 3
            float(value)
            alternatives.append(f"{ref} = {value.strip()}")
        except ValueError:
            if value in ("true", "false"):
                alternatives.append(f"{ref} = {value}")
        either = " or ".join(alternatives)
        return f"({either})" if op == "=" else f"not ({either})"
    if op in (">", ">=", "<", "<="):
        return f"{ref} {op} {_number(value, field)}"
    return _text(ref, op, value, field)


def _one(item: dict[str, Any]) -> str:
    field, op = str(item.get("field") or ""), str(item.get("operator") or "")
    value, key = str(item.get("value") or ""), str(item.get("key") or "")
    if field in TEXT_FIELDS:
        return _text(TEXT_FIELDS[field], op, value, field)
    if field in NUMBER_FIELDS and op in COMPARE:
        return f"{NUMBER_FIELDS[field]} {COMPARE[op]} {_number(value, field)}"
    if field == "duration" and op in COMPARE:  # Opik durations are milliseconds
        return f"duration {COMPARE[op]} {_number(value, field)}ms"
    if field in TIME_FIELDS and op in COMPARE:
        return f"{field} {COMPARE[op]} {quote(value)}"
    if field in ("input", "output") and op in (*SEARCH, "is_empty", "is_not_empty"):
        return _text(field, op, value, field)
    if field == "metadata":
        return _json_key("metadata", key, op, value, field)
    if field == "environment":
        return _text('metadata."environment"', op, value, field)
    if field == "feedback_scores" and (op in COMPARE or op in ("is_empty", "is_not_empty")):
        ref = f"feedback.{quote(key)}"
        return _text(ref, op, value, field) if op not in COMPARE else f"{ref} {op} {_number(value, field)}"
    if field == "tags" and op in ("contains", "not_contains", "=", "!="):
        return f"tags {'not ' if op in ('not_contains', '!=') else ''}contains {quote(value)}"
    if field in ("tags", "error_info") and op in ("is_empty", "is_not_empty"):
        if field == "tags":
            return f"tags is {'not ' if op == 'is_not_empty' else ''}null"
        return "error" if op == "is_not_empty" else "not error"
    raise _unsupported(field, op)


def parse_list(raw: Any, name: str) -> list[dict[str, Any]]:
    """A filter or sorting list given as a JSON string (query parameter) or a list (body)."""
    if raw in (None, "", []):
        return []
    value = parse_json(raw.encode()) if isinstance(raw, str) else raw
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadRequest(f"{name}: must be a JSON list of objects")
    return value


def filter_text(filters: Any, *, search: str | None = None, from_time: str | None = None,
                to_time: str | None = None, extra: list[str] | None = None) -> str | None:
    """One Spyglass filter for an Opik request's filters, free-text search and time window."""
    parts = [f"({_one(item)})" for item in parse_list(filters, "filters")]
    if search:
        parts.append(f"(input ~ {quote(search)} or output ~ {quote(search)})")
    if from_time:
        parts.append(f"start_time >= {quote(from_time)}")
    if to_time:
        parts.append(f"start_time <= {quote(to_time)}")
    parts.extend(extra or ())
    return " and ".join(parts) or None


def sort_text(sorting: Any) -> str | None:
    items = parse_list(sorting, "sorting")
    if not items:
        return None
    field = str(items[0].get("field") or "")
    if field not in SORT_FIELDS:
        raise NotSupported(f"sorting: cannot sort by {field!r}; Spyglass sorts by {', '.join(SORT_FIELDS)}")
    descending = str(items[0].get("direction") or "DESC").upper() != "ASC"
    return ("-" if descending else "") + SORT_FIELDS[field]
