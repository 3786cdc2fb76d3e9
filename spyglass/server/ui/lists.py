"""Traces and spans tables: filter language box, time range, sortable columns, keyset "load more".

Every bit of view state (filter, range, sort) lives in the query string, so a URL is a permalink."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from spyglass.server.api.deps import get_store
from spyglass.server.query import FilterError, compile_filter
from spyglass.server.store import queries
from spyglass.server.store.base import Store
from spyglass.server.ui.render import highlight_column, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
RANGES = {"": "All time", "1h": "Last hour", "24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days"}
SORTS = {"trace": ("name", "start_time", "duration", "tokens", "cost"),
         "span": ("name", "start_time", "duration", "tokens", "cost", "model")}
# The filter-language fields offered for autocompletion in the filter box.
FIELD_HINTS = {
    "trace": ("name", "status", "duration", "start_time", "tokens", "cost", "tags", "metadata.", "input", "output",
              "feedback.", "thread_id", "user_id", "span_count", "error"),
    "span": ("name", "type", "model", "provider", "status", "duration", "start_time", "tokens", "cost", "tags",
             "metadata.", "input", "output", "feedback.", "trace_id", "error"),
}


@dataclass(frozen=True)
class ListState:
    kind: str
    project: str
    filter: str = ""
    sort: str = "-start_time"
    range: str = ""

    @classmethod
    def from_request(cls, request: Request, kind: str, project: str) -> ListState:
        q = request.query_params
        sort = q.get("sort") or "-start_time"
        if sort.lstrip("-") not in SORTS[kind]:
            sort = "-start_time"
        time_range = q.get("range", "")
        return cls(kind, project, q.get("filter", "").strip(), sort, time_range if time_range in RANGES else "")

    def query(self, **changes: Any) -> str:
        state = replace(self, **changes)
        params = {"filter": state.filter, "range": state.range,
                  "sort": "" if state.sort == "-start_time" else state.sort}
        return urlencode({k: v for k, v in params.items() if v})

    def sort_query(self, column: str) -> str:
        """Click a column: newest/largest first, click again to flip."""
        return self.query(sort=column if self.sort == f"-{column}" else f"-{column}")

    def combined_filter(self) -> str | None:
        parts = [f"({self.filter})"] if self.filter else []
        if self.range:
            parts.append(f"start_time >= now-{self.range}")
        return " and ".join(parts) or None


def filter_error(state: ListState, dialect_name: str) -> dict[str, Any] | None:
    """Check the user's own text first, so an error's column points into what they typed."""
    if not state.filter:
        return None
    try:
        compile_filter(state.filter, state.kind, dialect_name)  # type: ignore[arg-type]
    except FilterError as exc:
        return {"message": exc.reason, "position": exc.position, "hint": exc.hint,
                "marked": highlight_column(state.filter, exc.position)}
    return None


def load_page(store: Store, state: ListState, cursor: str | None) -> tuple[queries.Page | None, dict[str, Any] | None]:
    list_fn = queries.list_traces if state.kind == "trace" else queries.list_spans
    with store.read() as conn:
        project_id = store.project_id(conn, state.project)
        error = filter_error(state, conn.dialect.name)
        if error:
            return None, error
        page = list_fn(conn, project_id, state.project, filter_text=state.combined_filter(), sort=state.sort,
                       limit=PAGE_SIZE, cursor=cursor)
    return page, None


def _list(request: Request, store: Store, kind: str, project: str) -> Response:
    state = ListState.from_request(request, kind, project)
    cursor = request.query_params.get("cursor")
    page, error = load_page(store, state, cursor)
    context = {"state": state, "page": page, "error": error, "project": project, "ranges": RANGES,
               "sorts": SORTS[kind], "fields": FIELD_HINTS[kind], "tab": kind + "s"}
    if cursor:  # "load more": only the next rows
        return render(request, f"_{kind}_rows.html", context)
    return render(request, "list.html", context)  # a filter mistake is shown inline, not as an HTTP error


@router.get("/projects/{project}/traces", response_class=HTMLResponse)
def traces_page(project: str, request: Request, store: Store = Depends(get_store)) -> Response:
    return _list(request, store, "trace", project)


@router.get("/projects/{project}/spans", response_class=HTMLResponse)
def spans_page(project: str, request: Request, store: Store = Depends(get_store)) -> Response:
    return _list(request, store, "span", project)
