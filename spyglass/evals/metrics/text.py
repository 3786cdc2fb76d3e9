"""Turning field values (strings, messages, dicts from traces) into text for metrics."""

from __future__ import annotations

import json
from typing import Any, Mapping

# Keys under which a document or message keeps its text.
_TEXT_KEYS = ("content", "text", "page_content", "output", "answer", "message")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _content_text(content: Any) -> str:
    """Message content: a string, or a list of parts (OpenAI/Anthropic) whose text parts are joined."""
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    return as_text(content)


def as_text(value: Any) -> str:
    """The text a metric compares: strings as they are; a message's content; a one-key dict's
    value (``{"answer": "Paris"}`` -> ``"Paris"``); other structures as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping):
        if "role" in value and "content" in value:
            return _content_text(value["content"])
        if len(value) == 1:
            (only,) = value.values()
            if isinstance(only, (str, Mapping, list)):
                return as_text(only)
        return _dumps(value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value):
            return "\n".join(value)
        return _dumps(list(value))
    return str(value)


def as_text_list(value: Any) -> list[str]:
    """Context documents as a list of strings: a string is one document; dicts give their text."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        for key in ("documents", "docs", "contexts", "context"):
            if key in value:
                return as_text_list(value[key])
        return [_doc_text(value)]
    if isinstance(value, (list, tuple)):
        return [_doc_text(v) for v in value]
    return [as_text(value)]


def _doc_text(doc: Any) -> str:
    if isinstance(doc, Mapping):
        for key in _TEXT_KEYS:
            if isinstance(doc.get(key), str):
                return doc[key]
    return as_text(doc)


def as_references(value: Any) -> list[str]:
    """One or several reference answers (``expected``) as a list of strings."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return [as_text(value)]


def parse_json_value(value: Any) -> Any:
    """Structured values pass through; strings are parsed as JSON (raises ValueError)."""
    if isinstance(value, (bytes, str)):
        return json.loads(value)
    return value
