"""Recognise LLM payloads (OpenAI, Anthropic, LangChain shapes) and retrieved documents,
so the span pane can show a chat instead of raw JSON. Anything unrecognised returns None."""

from __future__ import annotations

from typing import Any

import orjson

ROLE_ALIASES = {"human": "user", "ai": "assistant", "model": "assistant", "function": "tool"}
DOC_TEXT_KEYS = ("page_content", "content", "text", "document")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _tool_call(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function") if isinstance(call.get("function"), dict) else call
    args = function.get("arguments", function.get("input", function.get("args")))
    return {"id": call.get("id"), "name": function.get("name") or "tool", "arguments": _text(args)}


def _parts(content: Any, message: dict[str, Any]) -> None:
    """Split content parts (text, images, tool use/results) into the message's fields."""
    for part in content:
        if not isinstance(part, dict):
            message["text"].append(_text(part))
            continue
        kind = part.get("type")
        if kind in ("text", "input_text", "output_text"):
            message["text"].append(str(part.get("text", "")))
        elif kind == "image_url":
            url = part.get("image_url")
            message["images"].append(url.get("url") if isinstance(url, dict) else str(url))
        elif kind == "image" and isinstance(part.get("source"), dict) and part["source"].get("url"):
            message["images"].append(part["source"]["url"])
        elif kind == "tool_use":
            message["tool_calls"].append(_tool_call(part))
        elif kind == "tool_result":
            message["tool_call_id"] = part.get("tool_use_id")
            message["text"].append(_text(part.get("content")))
        else:
            message["text"].append(_text(part))


def message(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    role = raw.get("role") or raw.get("type")
    if not isinstance(role, str) or not ("content" in raw or "tool_calls" in raw):
        return None
    out: dict[str, Any] = {"role": ROLE_ALIASES.get(role, role), "text": [], "images": [], "tool_calls": [],
                           "tool_call_id": raw.get("tool_call_id"), "name": raw.get("name")}
    content = raw.get("content")
    if isinstance(content, list):
        _parts(content, out)
    elif content is not None:
        out["text"].append(_text(content))
    for call in raw.get("tool_calls") or []:
        if isinstance(call, dict):
            out["tool_calls"].append(_tool_call(call))
    out["text"] = "\n\n".join(t for t in out["text"] if t)
    return out


def as_chat(payload: Any) -> list[dict[str, Any]] | None:
    """A list of chat messages, or None when the payload is not a conversation."""
    raw: list[Any] = []
    if isinstance(payload, dict):
        if isinstance(payload.get("system"), str):
            raw.append({"role": "system", "content": payload["system"]})
        if isinstance(payload.get("messages"), list):
            raw.extend(payload["messages"])
        elif isinstance(payload.get("choices"), list):
            raw.extend(c.get("message") for c in payload["choices"] if isinstance(c, dict))
        else:
            raw.append(payload)
    elif isinstance(payload, list):
        raw = payload
    messages = [message(m) for m in raw]
    if not messages or any(m is None for m in messages):
        return None
    return messages  # type: ignore[return-value]


def as_documents(payload: Any) -> list[dict[str, Any]] | None:
    """Retrieved documents with their text, score and metadata, or None."""
    items = payload.get("documents") if isinstance(payload, dict) else payload
    if not isinstance(items, list) or not items:
        return None
    docs = []
    for item in items:
        if not isinstance(item, dict):
            return None
        key = next((k for k in DOC_TEXT_KEYS if isinstance(item.get(k), str)), None)
        if key is None:
            return None
        meta = {k: v for k, v in item.items() if k not in (key, "score", "id")}
        docs.append({"id": item.get("id"), "text": item[key], "score": item.get("score"), "metadata": meta})
    return docs
