"""Template setup: one Jinja2 environment, value formatters, and the page context every view shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from spyglass import __version__
from spyglass.server.ui.i18n import LANGUAGES, language, translator

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
PREVIEW_CHARS = 90


def fmt_num(value: Any) -> str:
    return "–" if value is None else f"{value:,}"


def fmt_cost(value: Any) -> str:
    if value is None:
        return "–"
    return f"${value:,.4f}" if value < 100 else f"${value:,.2f}"


def fmt_duration(ms: float | None) -> str:
    if ms is None:
        return "–"
    if ms < 1:
        return f"{ms * 1000:.0f} µs"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    return f"{ms / 60_000:.1f} min"


def fmt_time(iso: str | None) -> Markup:
    """A <time> the browser re-renders as relative or absolute in the page's locale."""
    if not iso:
        return Markup("–")
    return Markup('<time datetime="{0}">{1}</time>').format(iso, iso.replace("T", " ")[:19])


def text_of(value: Any) -> str:
    """The most readable text of a payload: a lone string field, the last message, else JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        messages = value.get("messages")
        if isinstance(messages, list) and messages:
            return text_of(messages[-1])
        if isinstance(value.get("content"), (str, list)):
            return text_of(value["content"])
        strings = [v for v in value.values() if isinstance(v, str)]
        if len(value) == 1 and strings:
            return strings[0]
    if isinstance(value, list) and value and all(isinstance(p, dict) and "text" in p for p in value):
        return " ".join(str(p["text"]) for p in value)
    return orjson.dumps(value).decode()


def preview(value: Any, limit: int = PREVIEW_CHARS) -> str:
    text = " ".join(text_of(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def score_text(score: dict[str, Any]) -> str:
    if score.get("value") is not None:
        value = score["value"]
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{text} · {score['label']}" if score.get("label") else text
    return str(score.get("label") or "–")


def highlight_column(text: str, position: int) -> Markup:
    """The filter text with the character at the 1-based `position` marked."""
    i = max(0, min(position - 1, len(text)))
    marked = escape(text[i]) if i < len(text) else Markup("&nbsp;")
    return Markup("{0}<mark class=\"bad\">{1}</mark>{2}").format(text[:i], marked, text[i + 1:])


templates.env.filters.update(num=fmt_num, cost=fmt_cost, dur=fmt_duration, ts=fmt_time, preview=preview,
                             tojson_text=to_json, score_text=score_text)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """The template with `context`; `?format=json` answers the context itself, for debugging."""
    if request.query_params.get("format") == "json":
        body = orjson.dumps(context, default=str, option=orjson.OPT_NON_STR_KEYS)
        return Response(body, status_code=status_code, media_type="application/json")
    lang = language(request)
    base = {"version": __version__, "lang": lang, "languages": LANGUAGES, "_": translator(lang),
            "is_htmx": request.headers.get("hx-request") == "true"}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
