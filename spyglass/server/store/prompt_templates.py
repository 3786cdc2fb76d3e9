"""Prompt templates: structure checks, normal form, the variables they use, and diffs between them.

A text template is a string; a chat template is a list of messages {"role", "content"} stored as
JSON text. Mustache tags are `{{name}}`, `{{{name}}}`, `{{#section}}`, `{{^inverted}}`; Jinja2
templates are parsed by Jinja2 itself (in a sandboxed environment).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import orjson
from jinja2 import TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from spyglass.server.errors import BadRequest

STRUCTURES = ("text", "chat")
TYPES = ("mustache", "jinja2")
MUSTACHE_TAG = re.compile(r"\{\{(\{?)\s*([#^/!>&]?)\s*([^}]*?)\s*\}?\}\}")


def _bad(field: str, message: str) -> BadRequest:
    return BadRequest(f"{field}: {message}", detail={"field": field})


def normalize_template(template: Any, structure: str, type: str) -> str:
    """The stored form of a template (chat: compact JSON of the messages); BadRequest names what is wrong."""
    if structure not in STRUCTURES:
        raise _bad("template_structure", f"must be one of {', '.join(STRUCTURES)}")
    if type not in TYPES:
        raise _bad("type", f"must be one of {', '.join(TYPES)}")
    if structure == "text":
        if not isinstance(template, str):
            raise _bad("template", "a text template must be a string")
        text = template
    else:
        text = orjson.dumps(_messages(template)).decode()
    variables(text, structure, type)  # a Jinja2 syntax error is the caller's bad input
    return text


def _messages(template: Any) -> list[dict[str, Any]]:
    if isinstance(template, str):
        try:
            template = orjson.loads(template)
        except orjson.JSONDecodeError:
            raise _bad("template", "a chat template must be a list of messages or JSON text of one") from None
    if not isinstance(template, list) or not template:
        raise _bad("template", "a chat template must be a non-empty list of messages")
    for n, message in enumerate(template):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise _bad(f"template.{n}.role", "each message needs a role (string)")
        if not isinstance(message.get("content"), (str, list)):
            raise _bad(f"template.{n}.content", "each message needs a content (string or list of parts)")
    return template


def chat_messages(text: str) -> list[dict[str, Any]]:
    """The messages of a stored chat template."""
    value: list[dict[str, Any]] = orjson.loads(text)
    return value


def _strings(value: Any) -> list[str]:
    """Every string inside a message content (parts like {"type": "text", "text": ...} included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def variables(text: str, structure: str, type: str) -> list[str]:
    """Names of the variables the template uses, in order of first use."""
    texts = [text] if structure == "text" else [s for m in chat_messages(text) for s in _strings(m.get("content"))]
    found: dict[str, None] = {}
    for part in texts:
        for name in (_jinja_variables(part) if type == "jinja2" else _mustache_variables(part)):
            found.setdefault(name)
    return list(found)


def _mustache_variables(text: str) -> list[str]:
    names = []
    for _, kind, name in MUSTACHE_TAG.findall(text):
        if kind in ("/", "!", ">") or not name or name == ".":
            continue
        names.append(name)
    return names


def _jinja_variables(text: str) -> list[str]:
    try:
        found = meta.find_undeclared_variables(SandboxedEnvironment().parse(text))
    except TemplateSyntaxError as exc:
        raise _bad("template", f"Jinja2 syntax error on line {exc.lineno}: {exc.message}") from None
    return sorted(found, key=lambda name: (m.start() if (m := re.search(rf"\b{re.escape(name)}\b", text)) else 0,
                                           name))


def diff_lines(old: tuple[str, str], new: tuple[str, str], old_label: str, new_label: str) -> list[str]:
    """A unified diff of two (template, structure) pairs; chat templates as indented JSON, one field a line."""
    def lines(text: str, structure: str) -> list[str]:
        if structure == "chat":
            text = orjson.dumps(chat_messages(text), option=orjson.OPT_INDENT_2).decode()
        return text.splitlines()

    return list(difflib.unified_diff(lines(*old), lines(*new), fromfile=old_label, tofile=new_label, lineterm=""))
