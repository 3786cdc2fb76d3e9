"""UI pages. Each view builds a context from the same store calls the API uses."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from spyglass import __version__
from spyglass.server.api.deps import StoreDep
from spyglass.server.store import stats

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def projects_page(store: StoreDep, request: Request) -> HTMLResponse:
    with store.read() as conn:
        projects = stats.list_projects(conn, store.projects.workspace_id)
    return templates.TemplateResponse(request, "projects.html", {"projects": projects, "version": __version__})
