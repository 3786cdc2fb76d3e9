"""Threads: a list with turn counts and scores, and one thread shown as a conversation."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.store import queries
from spyglass.server.ui.chat import as_chat
from spyglass.server.ui.errors import html_router
from spyglass.server.ui.render import render, text_of

router = html_router()
PAGE_SIZE = 50


@router.get("/projects/{project}/threads", response_class=HTMLResponse)
def threads_page(store: StoreDep, project: str, request: Request, cursor: str | None = None) -> Response:
    with store.read() as conn:
        project_id = store.project_id(conn, project)
        page = queries.list_threads(conn, project_id, project, limit=PAGE_SIZE, cursor=cursor)
    context = {"page": page, "project": project, "tab": "threads"}
    return render(request, "_thread_rows.html" if cursor else "threads.html", context)


def turn_text(payload: object, role: str) -> str:
    """The user's message of a turn's input, or the assistant's answer of its output."""
    chat = as_chat(payload)
    if chat:
        wanted = [m for m in chat if m["role"] == role] or chat
        return str(wanted[-1]["text"])
    return text_of(payload)


@router.get("/projects/{project}/threads/{thread_id}", response_class=HTMLResponse)
def thread_page(store: StoreDep, project: str, thread_id: str, request: Request) -> Response:
    with store.read() as conn:
        project_id = store.project_id(conn, project)
        thread = queries.get_thread(conn, project_id, project, thread_id)
    turns = [{"trace": tr, "user": turn_text(tr["input"], "user"), "assistant": turn_text(tr["output"], "assistant")}
             for tr in thread["traces"]]
    return render(request, "thread.html", {"thread": thread, "turns": turns, "project": project, "tab": "threads"})
