"""The machinery every convention shares: attribute tables, one pass over a span's attributes,
value converters and the message/document shapes Spyglass stores.

A convention module declares `TABLE` (attribute -> (target, converter, priority)), `FAMILIES`
(the first two dot-separated parts of indexed or prefixed keys, e.g. `llm.input_messages`)
and a `finish(found, raw)` step for values that need more than one attribute. When two
attributes name the same target, the higher priority wins: Langfuse (30) over OpenInference
(20) over OTel GenAI (10) over generic guesses, so an explicit value is never overwritten by
an instrumented library's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from spyglass.server.compat.otlp.decode import RawSpan

Converter = Callable[[Any], Any] | None
Entry = tuple[str, Converter, int]
Place = tuple[str, str] | tuple[()]

ID_RE = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")
ID_BAD_CHARS = re.compile(r"[^A-Za-z0-9_.:\-]")


class Found:
    """What the attributes of one span said, by canonical target."""

    __slots__ = ("values", "prio", "groups")

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.prio: dict[str, int] = {}
        self.groups: dict[str, dict[str, Any]] = {}

    def put(self, target: str, value: Any, prio: int) -> None:
        if value is not None and prio >= self.prio.get(target, -1):
            self.values[target] = value
            self.prio[target] = prio

    def wants(self, target: str, prio: int) -> bool:
        """Whether a value put at `prio` would be kept: a costly value that would lose is not built."""
        return prio >= self.prio.get(target, -1)


def collect(attrs: dict[str, Any], table: dict[str, Entry], families: dict[str, str],
            places: dict[str, Place] | None = None) -> Found:
    """One pass: exact keys through the table, indexed/prefixed keys grouped by family.

    `places` remembers where the other keys went, for the next spans of the same request:
    they repeat the same keys, and looking one up instead of parsing it saves about a quarter
    of this pass on OpenInference spans."""
    found = Found()
    values, prio, groups = found.values, found.prio, found.groups
    if places is None:
        places = {}
    for key, val in attrs.items():
        entry = table.get(key)
        if entry is not None:
            target, conv, p = entry
            if p >= prio.get(target, -1):
                if conv is not None:
                    val = conv(val)
                if val is not None:
                    values[target] = val
                    prio[target] = p
            continue
        place = places.get(key)
        if place is None:
            place = places[key] = _place(key, families)
        if place:
            family, rest = place
            group = groups.get(family)
            if group is None:
                group = groups[family] = {}
            group[rest] = val
    return found


def _place(key: str, families: dict[str, str]) -> Place:
    """The group a key goes to (its family, by its first two parts) and its key there; () for none."""
    i = key.find(".")
    j = key.find(".", i + 1) if i > 0 else -1
    family = families.get(key[:j]) if j > 0 else None
    return (family, key[j + 1:]) if family is not None else ()


# -- converters ----------------------------------------------------------------------------


def json_or_text(value: Any) -> Any:
    """A JSON document sent as a string is decoded; anything else is kept as it came."""
    if isinstance(value, str) and value[:1] in ("{", "[", '"'):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def json_dict(value: Any) -> dict[str, Any] | None:
    value = json_or_text(value)
    if value is None or value == "":
        return None
    return value if isinstance(value, dict) else {"value": value}


def to_int(value: Any) -> int | None:
    """A token count: a non-negative integer, or nothing."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number >= 0 else None


def to_float(value: Any) -> float | None:
    """A cost: a finite, non-negative number, or nothing."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def to_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def to_tags(value: Any) -> list[str] | None:
    value = json_or_text(value)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return None
    return [str(tag)[:200] for tag in value if tag is not None] or None


def lower(value: Any) -> str | None:
    return str(value).lower() if value else None


def kind_of(mapping: dict[str, str]) -> Callable[[Any], str | None]:
    """A converter from a convention's span-kind vocabulary to Spyglass span types."""
    return lambda value: mapping.get(str(value).lower()) if value else None


def thread_id(value: Any) -> str | None:
    """Session ids become thread ids, which are path-safe ids (see docs/ingest-api.md)."""
    if value is None or value == "":
        return None
    text = str(value)
    if ID_RE.fullmatch(text):
        return text
    return ID_BAD_CHARS.sub("_", text)[:128]


# -- shapes --------------------------------------------------------------------------------


def indexed(group: dict[str, Any]) -> list[Any]:
    """`{"0.a": 1, "0.b.c": 2, "1.a": 3}` -> `[{"a": 1, "b": {"c": 2}}, {"a": 3}]` (order by index)."""
    root: dict[str, Any] = {}
    for key, val in group.items():
        parts = key.split(".")
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = val
    return as_list(root)


def as_list(node: Any) -> list[Any]:
    if not isinstance(node, dict):
        return []
    keys = sorted((k for k in node if k.isdigit()), key=int)
    return [node[k] for k in keys]


def tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    """A tool call in the OpenAI message shape Spyglass uses for every convention."""
    if arguments is not None and not isinstance(arguments, str):
        arguments = orjson.dumps(arguments).decode()
    out: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id:
        out["id"] = call_id
    return out


def message(role: Any, content: Any, tool_calls: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": role, "content": content}
    if tool_calls:
        msg["tool_calls"] = tool_calls
    msg.update({k: v for k, v in extra.items() if v is not None})
    return msg


def llm_output(messages: list[dict[str, Any]]) -> Any:
    """One choice is stored as the message itself, several as a list (as the native SDK does)."""
    if not messages:
        return None
    return messages[0] if len(messages) == 1 else messages


def is_message_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) and "role" in m for m in value)


def error_of(raw: RawSpan, level: Any, level_message: Any) -> dict[str, Any] | None:
    """An ERROR status, an `exception` event or a Langfuse ERROR level makes the span an error."""
    for name, _, attrs in reversed(raw.events):
        if name == "exception":
            return {"type": to_str(attrs.get("exception.type")),
                    "message": to_str(attrs.get("exception.message")) or to_str(raw.status_message),
                    "traceback": to_str(attrs.get("exception.stacktrace"))}
    if raw.status_code == 2 or level == "ERROR":
        return {"type": None, "message": to_str(raw.status_message) or to_str(level_message), "traceback": None}
    return None
