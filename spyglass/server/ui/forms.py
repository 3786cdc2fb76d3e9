"""Write forms of the UI (datasets, prompts): read the url-encoded body, parse JSON fields with an
error that names the field, and answer HTMX with a redirect on success or a one-line error that
the form shows in place (status 200, so HTMX swaps it in; the form keeps what the user typed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape
from starlette.concurrency import run_in_threadpool

from spyglass.server.errors import SpyglassError
from spyglass.server.ui.i18n import language, translator


class FormError(ValueError):
    """A mistake in what the user typed; the message names the field."""


async def read_form(request: Request) -> dict[str, list[str]]:
    """Every field of a url-encoded form, with all its values (checkbox groups repeat a name)."""
    body = await request.body()
    fields: dict[str, list[str]] = {}
    for key, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        fields.setdefault(key, []).append(value)
    return fields


def one(form: dict[str, list[str]], key: str) -> str:
    """The first value of a field, stripped ('' when absent)."""
    return (form.get(key) or [""])[0].strip()


def json_field(text: str, field: str, *, object_only: bool = False) -> Any:
    """A JSON value typed in a form field. Text that is not JSON and does not look like it (no
    leading brace, bracket or quote) is taken as a plain string; None when the field is empty."""
    text = text.strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if object_only or text[0] in "{[\"":
            raise FormError(f"{field}: not valid JSON — {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
        value = text
    if object_only and not isinstance(value, dict):
        raise FormError(f'{field}: must be a JSON object, like {{"source": "docs"}}')
    return value


def done(url: str) -> Response:
    """Success: HTMX loads `url` (the page that shows the change)."""
    return HTMLResponse("", headers={"HX-Redirect": url})


def note(request: Request, message: str, *, error: bool = True) -> HTMLResponse:
    """A one-line message for the form's message slot."""
    css = "err" if error else "ok-note"
    role = "alert" if error else "status"
    text = translator(language(request))(message)
    return HTMLResponse(f'<span class="{css}" role="{role}">{escape(text)}</span>')


async def attempt(request: Request, work: Callable[[], Response]) -> Response:
    """Run a form's database work off the event loop; a mistake in the input or a store error
    (not found, name taken, bad template) becomes the form's error line."""
    try:
        return await run_in_threadpool(work)
    except (FormError, SpyglassError) as exc:
        return note(request, getattr(exc, "message", None) or str(exc))
