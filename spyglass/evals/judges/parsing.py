"""Reading a judge's JSON answer, however it was wrapped.

Models put JSON in code fences, after a sentence of preamble, after ``<think>`` blocks, or
with trailing commas and Python literals. :func:`extract_json` finds the object; the field
readers check it and raise :class:`JudgeFormatError` with a message written for the judge,
which is sent back to it on the retry.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Mapping

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_PY_LITERALS = tuple((re.compile(rf"\b{word}\b"), literal)
                     for word, literal in (("True", "true"), ("False", "false"), ("None", "null")))
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


class JudgeFormatError(ValueError):
    """The judge's answer does not have the asked-for shape; the message tells it what to fix."""


def _objects(text: str) -> list[str]:
    """Balanced ``{...}`` substrings, outermost first, skipping braces inside strings."""
    found, depth, start, in_string, escaped = [], 0, -1, False, False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                found.append(text[start : i + 1])
    return found


def _loads(candidate: str) -> Any:
    try:
        return json.loads(candidate)
    except ValueError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", candidate)
    for pattern, literal in _PY_LITERALS:
        repaired = pattern.sub(literal, repaired)
    return json.loads(repaired)


def extract_json(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``; raises JudgeFormatError when there is none."""
    text = _THINK.sub("", text or "").strip()
    if not text:
        raise JudgeFormatError("The answer was empty. Reply with the JSON object only.")
    candidates = [text, *(m.strip() for m in _FENCE.findall(text)), *_objects(text)]
    for candidate in candidates:
        try:
            value = _loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise JudgeFormatError("The answer did not contain a valid JSON object. Reply with the JSON object only.")


def get_number(data: Mapping[str, Any], key: str, lo: float, hi: float) -> float:
    """A number within [lo, hi]; numeric strings such as ``"4"`` or ``"4/5"`` are accepted."""
    raw = data.get(key)
    value: float | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        match = re.match(r"\s*(-?\d+(?:\.\d+)?)", raw)
        value = float(match.group(1)) if match else None
    if value is None or not math.isfinite(value):
        raise JudgeFormatError(f'"{key}" must be a number from {lo:g} to {hi:g}; got {raw!r}.')
    if not lo <= value <= hi:
        raise JudgeFormatError(f'"{key}" must be between {lo:g} and {hi:g}; got {value:g}.')
    return value


def get_bool(data: Mapping[str, Any], key: str) -> bool:
    raw = data.get(key)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, str)) and str(raw).strip().lower() in _TRUE | _FALSE:
        return str(raw).strip().lower() in _TRUE
    raise JudgeFormatError(f'"{key}" must be true or false; got {raw!r}.')


def get_text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    raw = data.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise JudgeFormatError(f'"{key}" is missing; it must be a non-empty string.')
        return None
    return raw.strip() if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)


def get_list(data: Mapping[str, Any], key: str) -> list[Any]:
    raw = data.get(key)
    if not isinstance(raw, list):
        raise JudgeFormatError(f'"{key}" must be a list; got {type(raw).__name__}.')
    return raw


def get_objects(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = get_list(data, key)
    for i, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise JudgeFormatError(f'item {i} of "{key}" must be an object; got {item!r}.')
    return items


def get_choice(data: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str:
    raw = data.get(key)
    value = raw.strip().lower() if isinstance(raw, str) else None
    if value not in choices:
        raise JudgeFormatError(f'"{key}" must be one of {", ".join(choices)}; got {raw!r}.')
    return value
