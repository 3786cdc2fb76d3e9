"""The prompt library: the list (new prompt), a prompt's page (versions with commit, message,
labels and date; the chosen version's template and variables; a new-version form; labels that
move between versions), a line diff between any two versions, and links from traces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection

from spyglass.server.api.deps import StoreDep
from spyglass.server.errors import NotFound
from spyglass.server.store import prompts
from spyglass.server.store.prompt_views import get_prompt_version
from spyglass.server.ui.datasets import parse_version
from spyglass.server.ui.errors import html_router
from spyglass.server.ui.forms import FormError, attempt, done, note, one, read_form
from spyglass.server.ui.render import render, text_of

router = html_router()
PAGE_SIZE = 50
KNOWN_LABELS = ("production", "staging")


@router.get("/prompts", response_class=HTMLResponse)
def prompts_page(store: StoreDep, request: Request, cursor: str | None = None, q: str = "") -> Response:
    with store.read() as conn:
        page = prompts.list_prompts(conn, name_contains=q.strip() or None, limit=PAGE_SIZE, cursor=cursor)
    more = f"/prompts?{urlencode({'q': q, 'cursor': page.next_cursor})}" if page.next_cursor else None
    context = {"page": page, "q": q, "more_url": more, "section": "prompts"}
    return render(request, "_prompt_list_rows.html" if cursor else "prompts.html", context)


def resolve_ref(conn: Connection, ref: Mapping[str, str]) -> dict[str, Any]:
    """The version a trace's prompt reference names: by version id, else by name with a version
    number or a commit, else the name's latest version."""
    if ref.get("id"):
        try:
            return get_prompt_version(conn, ref["id"])
        except NotFound:
            pass  # an id from another server: the name still finds it
    name, number = ref.get("name", ""), parse_version(ref.get("version"))
    if number is not None:
        return prompts.resolve_prompt_version(conn, name, version=number)
    if ref.get("commit"):
        return prompts.resolve_prompt_version(conn, name, commit=ref["commit"])
    return prompts.resolve_prompt_version(conn, name, label="latest")


@router.get("/prompts/open", response_class=HTMLResponse)
def open_prompt(store: StoreDep, request: Request) -> Response:
    """A prompt version named as traces name it ({name, version, commit, id}): its prompt's page."""
    with store.read() as conn:
        found = resolve_ref(conn, request.query_params)
    return RedirectResponse(f"/prompts/{found['prompt_id']}?version={found['version']}", status_code=303)


def template_view(version: dict[str, Any]) -> dict[str, Any]:
    """How to show a version's template: text, or chat messages with their text."""
    if version["template_structure"] != "chat":
        return {"text": version["template"], "messages": None}
    messages = [{"role": m.get("role", ""), "text": m["content"] if isinstance(m.get("content"), str)
                 else text_of(m.get("content"))} for m in version["template"]]
    return {"text": None, "messages": messages}


def editable_template(version: dict[str, Any] | None) -> str:
    if version is None:
        return ""
    if version["template_structure"] == "chat":
        return orjson.dumps(version["template"], option=orjson.OPT_INDENT_2).decode()
    return str(version["template"])


@router.get("/prompts/{prompt_id}", response_class=HTMLResponse)
def prompt_page(store: StoreDep, prompt_id: str, request: Request) -> Response:
    wanted = parse_version(request.query_params.get("version"))
    with store.read() as conn:
        prompt = prompts.get_prompt(conn, prompt_id)
        versions = prompts.list_prompt_versions(conn, prompt["id"])
    chosen = next((v for v in versions if v["version"] == wanted), versions[0] if versions else None)
    if wanted is not None and (chosen is None or chosen["version"] != wanted):
        raise NotFound(f"prompt {prompt['name']!r} has no version {wanted}")
    labels = sorted(set(KNOWN_LABELS) | set(prompt["labels"]))
    context = {"prompt": prompt, "versions": versions, "chosen": chosen, "labels": labels,
               "view": template_view(chosen) if chosen else None, "editable": editable_template(chosen),
               "section": "prompts"}
    return render(request, "prompt.html", context)


@router.get("/prompts/{prompt_id}/diff", response_class=HTMLResponse)
def prompt_diff(store: StoreDep, prompt_id: str, request: Request) -> Response:
    q = request.query_params
    with store.read() as conn:
        prompt = prompts.get_prompt(conn, prompt_id)
        versions = prompts.list_prompt_versions(conn, prompt["id"])
        diff = prompts.diff_versions(conn, prompt["id"], from_version=parse_version(q.get("from")),
                                     to_version=parse_version(q.get("to")))
    lines = [{"text": line, "kind": line_kind(line)} for line in diff["diff"]]
    context = {"prompt": prompt, "versions": versions, "old": diff["from"], "new": diff["to"], "lines": lines,
               "section": "prompts"}
    return render(request, "prompt_diff.html", context)


def line_kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "del"}.get(line[:1], "same")


def version_fields(form: dict[str, list[str]]) -> dict[str, Any]:
    template = (form.get("template") or [""])[0]
    if not template.strip():
        raise FormError("template: write the template")
    structure, kind = one(form, "template_structure") or "text", one(form, "type") or "mustache"
    return {"template": template, "template_structure": structure, "type": kind,
            "change_description": one(form, "change_description") or None}


@router.post("/ui/prompts", response_class=HTMLResponse)
async def create_prompt(store: StoreDep, request: Request) -> Response:
    """A new prompt (its version 1), or a new version of the prompt named `name`."""
    form = await read_form(request)

    def work() -> Response:
        name = one(form, "name")
        if not name:
            raise FormError("name: give the prompt a name")
        with store.engine.begin() as conn:
            result = prompts.create_prompt_version(conn, name, **version_fields(form))
        if not result["created"]:
            return note(request, "Same as the latest version: no new version was made.")
        return done(f"/prompts/{result['prompt']['id']}?version={result['version']['version']}")

    return await attempt(request, work)


@router.post("/ui/prompts/{prompt_id}/labels", response_class=HTMLResponse)
async def set_label(store: StoreDep, prompt_id: str, request: Request) -> Response:
    form = await read_form(request)

    def work() -> Response:
        version = parse_version(one(form, "version"))
        if version is None:
            raise FormError("version: pick a version")
        with store.engine.begin() as conn:
            prompts.set_label(conn, prompt_id, one(form, "label").lower(), version)
        return done(f"/prompts/{prompt_id}?version={version}")

    return await attempt(request, work)


@router.post("/ui/prompts/{prompt_id}/labels/delete", response_class=HTMLResponse)
async def remove_label(store: StoreDep, prompt_id: str, request: Request) -> Response:
    form = await read_form(request)

    def work() -> Response:
        with store.engine.begin() as conn:
            prompts.remove_label(conn, prompt_id, one(form, "label"))
        return done(f"/prompts/{prompt_id}")

    return await attempt(request, work)
