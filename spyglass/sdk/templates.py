"""Rendering prompt templates: mustache (pystache) and jinja2 (sandboxed).

Prompts are not HTML, so mustache's ``{{var}}`` inserts values as they are, like
``{{{var}}}``. A variable tag whose name is missing raises :class:`MissingVariableError`;
a missing section name is simply false (that is what ``{{^name}}`` is for). Both engines are
imported on first use, so ``import spyglass.sdk`` stays light.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from typing import Any

TEMPLATE_TYPES = ("mustache", "jinja2")

# {{name}}, {{{name}}}, {{&name}}, {{#name}}, {{^name}}, {{/name}}; comments, partials and
# delimiter changes are not variables.
_MUSTACHE_TAG = re.compile(r"\{\{\s*(\{\s*([^}]+?)\s*\}|([#^/&]?)\s*([^}!>=][^}]*?))\s*\}\}")


class TemplateError(ValueError):
    """A template that cannot be rendered (bad syntax, unknown type)."""


class MissingVariableError(TemplateError, KeyError):
    """A variable the template uses was not given; ``name`` says which."""

    def __init__(self, name: str, detail: str | None = None) -> None:
        self.name = name
        hint = f": pass it to format(), e.g. format({name}=...)" if name.isidentifier() else ""
        super().__init__(detail or f"missing prompt variable {name!r}{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


def variables(template: str, type: str = "mustache") -> list[str]:
    """Names a caller passes to render ``template``, in order of first use.

    For mustache, ``{{user.name}}`` needs ``user``; names used only inside a section may
    come from the section's items, so they are not listed.
    """
    if type == "jinja2":
        from jinja2 import meta

        return sorted(meta.find_undeclared_variables(_jinja_env().parse(template)))
    _check_type(type)
    names: list[str] = []
    depth = 0
    for match in _MUSTACHE_TAG.finditer(template):
        raw, kind, name = match.group(2), match.group(3), match.group(4)
        name = (raw or name).strip()
        if kind == "/":
            depth = max(0, depth - 1)
            continue
        head = name.split(".")[0]
        if depth == 0 and head and head != "." and head not in names:
            names.append(head)
        if kind in ("#", "^"):
            depth += 1
    return names


def render(template: str, values: dict[str, Any], type: str = "mustache") -> str:
    """``template`` with ``values`` filled in."""
    if type == "jinja2":
        return _render_jinja(template, values)
    _check_type(type)
    return _render_mustache(template, values)


def render_messages(messages: list[dict[str, Any]], values: dict[str, Any],
                    type: str = "mustache") -> list[dict[str, Any]]:
    """A chat template rendered: each message's content (text, or the text parts of a list)."""
    return [{**message, "content": _render_content(message.get("content"), values, type)} for message in messages]


def messages_variables(messages: list[dict[str, Any]], type: str = "mustache") -> list[str]:
    names: list[str] = []
    for text in (t for m in messages for t in _texts(m.get("content"))):
        names.extend(n for n in variables(text, type) if n not in names)
    return names


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [t for part in content for t in _texts(part)]
    if isinstance(content, dict):
        return [t for value in content.values() for t in _texts(value)]
    return []


def _render_content(content: Any, values: dict[str, Any], type: str) -> Any:
    # Multimodal content: render every string inside (text parts, image URLs...).
    if isinstance(content, str):
        return render(content, values, type)
    if isinstance(content, list):
        return [_render_content(part, values, type) for part in content]
    if isinstance(content, dict):
        return {key: _render_content(value, values, type) for key, value in content.items()}
    return content


def _check_type(type: str) -> None:
    if type not in TEMPLATE_TYPES:
        raise TemplateError(f"unknown template type {type!r}: use 'mustache' or 'jinja2'")


# -- mustache ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Values as plain data: mustache then reads keys of dicts and never calls methods of
    arbitrary objects (the template may come from someone else)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if callable(value) and not isinstance(value, type):  # mustache lambdas
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    return str(value)


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@functools.lru_cache(maxsize=1)
def _mustache_engine_class() -> type:
    from pystache.context import KeyNotFoundError
    from pystache.renderengine import RenderEngine

    class Engine(RenderEngine):  # type: ignore[misc]
        def fetch_string(self, context: Any, name: str) -> str:
            try:
                context.get(name)
            except KeyNotFoundError:
                raise MissingVariableError(name) from None
            return str(super().fetch_string(context, name))

    return Engine


@functools.lru_cache(maxsize=256)
def _mustache_template(source: str) -> Any:
    from pystache.parser import ParsingError, parse

    try:
        return parse(source, raise_on_mismatch=True)
    except ParsingError as exc:
        raise TemplateError(f"bad mustache template: {exc}") from None


def _render_mustache(template: str, values: dict[str, Any]) -> str:
    from pystache.context import ContextStack, KeyNotFoundError

    def lenient(stack: Any, name: str) -> Any:  # sections: a missing name is false
        try:
            return stack.get(name)
        except KeyNotFoundError:
            return None

    engine = _mustache_engine_class()(
        literal=str, escape=str, resolve_context=lenient, resolve_partial=lambda name: "", to_str=_to_text
    )
    return str(_mustache_template(template).render(engine, ContextStack.create(_plain(values))))


# -- jinja2 -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _jinja_env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


@functools.lru_cache(maxsize=256)
def _jinja_template(source: str) -> Any:
    from jinja2 import TemplateSyntaxError

    try:
        return _jinja_env().from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"bad jinja2 template (line {exc.lineno}): {exc.message}") from None


_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


def _render_jinja(template: str, values: dict[str, Any]) -> str:
    from jinja2 import UndefinedError
    from jinja2.exceptions import SecurityError

    compiled = _jinja_template(template)
    try:
        return str(compiled.render(**values))
    except UndefinedError as exc:
        message = str(exc.message or exc)
        match = _UNDEFINED_NAME.match(message)
        if match:
            raise MissingVariableError(match.group(1)) from None
        raise MissingVariableError(message, f"missing prompt variable: {message}") from None
    except SecurityError as exc:
        raise TemplateError(f"jinja2 template not allowed: {exc}") from None
