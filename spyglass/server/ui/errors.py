"""HTML error pages for UI paths: an unknown project, trace, span or thread answers a page
(with the right status), not the API's JSON error body."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute

from spyglass.server.errors import SpyglassError
from spyglass.server.routes import Routes
from spyglass.server.ui.render import render

TITLES = {400: "Bad request", 404: "Not found", 409: "Conflict", 422: "Bad request", 429: "Busy"}


def error_page(request: Request, status: int, message: str) -> Response:
    if request.headers.get("hx-request") == "true":  # a fragment: a short note, not a whole page
        return HTMLResponse(f'<p class="err" role="alert">{_escape(message)}</p>', status_code=status)
    context = {"status": status, "title": TITLES.get(status, "Error"), "message": message, "project": None}
    return render(request, "error.html", context, status_code=status)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class HtmlErrorRoute(APIRoute):
    """Routes that answer HTML (response_class=HTMLResponse) turn store errors into an error page;
    JSON routes of the UI (tree skeletons, children) keep the API's JSON errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.response_class is not HTMLResponse:
            return handler

        async def html_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except SpyglassError as exc:
                return error_page(request, exc.status, exc.message)

        return html_errors


def html_router() -> Routes:
    return Routes(include_in_schema=False, route_class=HtmlErrorRoute)


fallback = html_router()


@fallback.get("/projects/{project}/{rest:path}", response_class=HTMLResponse)
def unknown_project_page(project: str, rest: str, request: Request) -> Response:
    return error_page(request, 404, f"no page /projects/{project}/{rest}")


@fallback.get("/ui/{rest:path}", response_class=HTMLResponse)
def unknown_ui_page(rest: str, request: Request) -> Response:
    return error_page(request, 404, f"no page /ui/{rest}")
