"""Chat messages in one shape, ``{"role": ..., "content": str}``, whatever they came as:
OpenAI, Anthropic, LangChain (objects, dicts or serialised), or a thread's traces."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from .metrics.text import as_text

Message = dict[str, str]

_ROLES = {
    "human": "user", "user": "user", "humanmessage": "user", "humanmessagechunk": "user",
    "ai": "assistant", "assistant": "assistant", "aimessage": "assistant", "aimessagechunk": "assistant",
    "model": "assistant", "bot": "assistant",
    "system": "system", "systemmessage": "system", "developer": "system",
    "tool": "tool", "function": "tool", "toolmessage": "tool", "functionmessage": "tool",
}


def _content(content: Any) -> str:
    """Text of a content value: a string, or parts (OpenAI ``text``; Anthropic ``text``,
    ``tool_use`` and ``tool_result``)."""
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, Mapping):
                kind = part.get("type")
                if isinstance(part.get("text"), str):
                    parts.append(part["text"])
                elif kind == "tool_use":
                    args = json.dumps(part.get("input"), ensure_ascii=False)
                    parts.append(f"[calls tool {part.get('name')}({args})]")
                elif kind == "tool_result":
                    parts.append(_content(part.get("content")))
        return "\n".join(p for p in parts if p)
    return as_text(content)


def _tool_calls(calls: Any) -> str:
    out = []
    for call in calls or []:
        fn = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(fn, Mapping):
            out.append(f"[calls tool {fn.get('name')}({fn.get('arguments', '')})]")
        elif isinstance(call, Mapping) and call.get("name"):  # LangChain tool_calls
            out.append(f"[calls tool {call['name']}({json.dumps(call.get('args'), ensure_ascii=False)})]")
    return "\n".join(out)


def _one(raw: Any) -> Message | None:
    if not isinstance(raw, Mapping):  # LangChain BaseMessage and similar objects
        raw = {"type": getattr(raw, "type", None), "role": getattr(raw, "role", None),
               "content": getattr(raw, "content", None), "tool_calls": getattr(raw, "tool_calls", None)}
    if raw.get("lc") == 1 and isinstance(raw.get("kwargs"), Mapping):  # serialised LangChain message
        ids = raw.get("id") or []
        raw = {**raw["kwargs"], "type": raw["kwargs"].get("type") or (ids[-1] if ids else None)}
    elif isinstance(raw.get("data"), Mapping) and "content" not in raw:  # LangChain messages_to_dict
        raw = {**raw["data"], "type": raw.get("type")}
    role_name = str(raw.get("role") or raw.get("type") or "").lower()
    role = _ROLES.get(role_name)
    if role is None:
        return None
    text = _content(raw.get("content"))
    calls = _tool_calls(raw.get("tool_calls"))
    text = "\n".join(t for t in (text, calls) if t)
    return {"role": role, "content": text} if text else None


def normalize_messages(value: Any) -> list[Message]:
    """Messages as ``[{"role": "user" | "assistant" | "system" | "tool", "content": str}]``.

    Accepts a list of messages or ``{"messages": [...]}``; drops empty and unknown ones.
    """
    if isinstance(value, Mapping) and "messages" in value:
        value = value["messages"]
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if not isinstance(value, (list, tuple)):
        return []
    return [m for m in (_one(v) for v in value) if m is not None]


def _last_user_text(value: Any) -> str:
    if isinstance(value, (list, tuple)) or (isinstance(value, Mapping) and "messages" in value):
        users = [m["content"] for m in normalize_messages(value) if m["role"] == "user"]
        return users[-1] if users else ""
    return as_text(value)


def _reply_text(output: Any) -> str:
    if isinstance(output, Mapping) and "role" in output:
        message = _one(output)
        return message["content"] if message else ""
    return as_text(output)


def thread_messages(traces: Iterable[Mapping[str, Any]]) -> list[Message]:
    """A conversation from a thread's traces, oldest first: each trace's input is the user's
    turn (the last user message when the input is a message list) and its output the reply."""
    out: list[Message] = []
    for trace in traces:
        user, reply = _last_user_text(trace.get("input")), _reply_text(trace.get("output"))
        if user:
            out.append({"role": "user", "content": user})
        if reply:
            out.append({"role": "assistant", "content": reply})
    return out


def transcript(messages: list[Message]) -> str:
    """``[1] user: ...`` lines, numbered from 1, for judge prompts."""
    return "\n".join(f"[{i}] {m['role']}: {m['content']}" for i, m in enumerate(messages, 1))
