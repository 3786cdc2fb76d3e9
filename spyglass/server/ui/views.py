"""UI pages. Each view builds a context from the same store calls the API uses."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.routes import Routes
from spyglass.server.store import stats
from spyglass.server.ui import annotate, errors, judges, lists, threads, trace_lazy, trace_view
from spyglass.server.ui.i18n import LANGUAGES
from spyglass.server.ui.render import render

router = Routes(include_in_schema=False)
for _module in (lists, trace_view, trace_lazy, threads, annotate, judges):
    router.include(_module.router)


@router.get("/", response_class=HTMLResponse)
def projects_page(store: StoreDep, request: Request) -> Response:
    with store.read() as conn:
        projects = stats.list_projects(conn, store.projects.workspace_id)
    return render(request, "projects.html", {"projects": projects})


@router.get("/ui/lang/{code}")
def set_language(code: str, request: Request, next: str = "/") -> RedirectResponse:
    # Only same-site paths: `next` comes from the query string.
    target = urlparse(next)
    path = next if not target.scheme and not target.netloc and next.startswith("/") else "/"
    response = RedirectResponse(path, status_code=303)
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax")
    return response


# Last: unknown paths under /projects/… and /ui/… answer an HTML 404 page.
router.include(errors.fallback)
