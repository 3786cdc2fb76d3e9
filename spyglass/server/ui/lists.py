"""Traces and spans tables: filter language box, time range, sortable columns, a column chooser,
keyset "load more" and (traces) bulk select.

Every bit of view state (filter, range, sort, columns, pages loaded) lives in the query string,
so a URL is a permalink. `pages=N` re-opens the first N pages in one read: "load more" replaces
the URL with it, so a reload or a shared link shows the rows that were loaded."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.query import FilterError, compile_filter
from spyglass.server.store import queries
from spyglass.server.store.base import Store
from spyglass.server.ui.errors import html_router
from spyglass.server.ui.render import highlight_column, render
from spyglass.server.ui.suggest import filter_hints

router = html_router()
PAGE_SIZE = 50
MAX_PAGES = queries.MAX_LIMIT // PAGE_SIZE
RANGES = {"": "All time", "1h": "Last hour", "24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days"}
SORTS = {"trace": ("name", "start_time", "duration", "tokens", "cost"),
         "span": ("name", "start_time", "duration", "tokens", "cost", "model")}
# Columns: key -> (label, sort field or "", css class). `name` is always shown.
COLUMNS: dict[str, dict[str, tuple[str, str, str]]] = {
    "trace": {"name": ("Name", "name", ""), "start": ("Start", "start_time", ""), "duration": ("Duration", "duration", "num"),
              "input": ("Input", "", ""), "output": ("Output", "", ""), "tokens": ("Tokens", "tokens", "num"),
              "cost": ("Cost", "cost", "num"), "scores": ("Scores", "", ""), "tags": ("Tags", "", ""),
              "thread": ("Thread", "", ""), "user": ("User", "", "")},
    "span": {"name": ("Name", "name", ""), "type": ("Type", "", ""), "model": ("Model", "model", ""),
             "start": ("Start", "start_time", ""), "duration": ("Duration", "duration", "num"),
             "input": ("Input", "", ""), "output": ("Output", "", ""), "tokens": ("Tokens", "tokens", "num"),
             "cost": ("Cost", "cost", "num"), "scores": ("Scores", "", "")},
}


def parse_cols(kind: str, text: str) -> tuple[str, ...]:
    """Visible columns from `cols=a,b` (in table order; `name` always); all when absent."""
    known = COLUMNS[kind]
    wanted = {c.strip() for c in text.split(",") if c.strip()} if text else set(known)
    return tuple(c for c in known if c in wanted or c == "name")


def parse_pages(text: str | None) -> int:
    try:
        return max(1, min(MAX_PAGES, int(text or 1)))
    except ValueError:
        return 1


@dataclass(frozen=True)
class ListState:
    kind: str
    project: str
    filter: str = ""
    sort: str = "-start_time"
    range: str = ""
    cols: tuple[str, ...] = ()
    pages: int = 1

    @classmethod
    def from_request(cls, request: Request, kind: str, project: str) -> ListState:
        q = request.query_params
        sort = q.get("sort") or "-start_time"
        if sort.lstrip("-") not in SORTS[kind]:
            sort = "-start_time"
        time_range = q.get("range", "")
        return cls(kind, project, q.get("filter", "").strip(), sort, time_range if time_range in RANGES else "",
                   parse_cols(kind, q.get("cols", "")), parse_pages(q.get("pages")))

    def query(self, **changes: Any) -> str:
        """The query string of this view (with `changes`); a view change starts at page 1."""
        state = replace(self, **{"pages": 1, **changes})
        all_cols = tuple(COLUMNS[state.kind])
        params = {"filter": state.filter, "range": state.range,
                  "sort": "" if state.sort == "-start_time" else state.sort,
                  "cols": "" if not state.cols or state.cols == all_cols else ",".join(state.cols),
                  "pages": "" if state.pages == 1 else str(state.pages)}
        return urlencode({k: v for k, v in params.items() if v})

    def columns(self) -> list[tuple[str, str, str, str]]:
        """(key, label, sort field, css class) of the visible columns."""
        return [(key, *COLUMNS[self.kind][key]) for key in self.cols]

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


def load_page(store: Store, state: ListState, cursor: str | None, hints: bool = False
              ) -> tuple[queries.Page | None, dict[str, Any] | None, dict[str, Any] | None]:
    """A page of rows (the first `state.pages` pages when there is no cursor), the filter's
    error if any, and the filter box's hints (for a whole page)."""
    list_fn = queries.list_traces if state.kind == "trace" else queries.list_spans
    with store.read() as conn:
        project_id = store.project_id(conn, state.project)
        suggestions = filter_hints(conn, project_id, state.kind) if hints else None
        error = filter_error(state, conn.dialect.name)
        if error:
            return None, error, suggestions
        limit = PAGE_SIZE if cursor else PAGE_SIZE * state.pages
        page = list_fn(conn, project_id, state.project, filter_text=state.combined_filter(), sort=state.sort,
                       limit=limit, cursor=cursor)
    return page, None, suggestions


def _list(request: Request, store: Store, kind: str, project: str) -> Response:
    state = ListState.from_request(request, kind, project)
    cursor = request.query_params.get("cursor")
    page, error, hints = load_page(store, state, cursor, hints=not cursor)
    context = {"state": state, "page": page, "error": error, "project": project, "ranges": RANGES,
               "sorts": SORTS[kind], "hints": hints, "all_columns": COLUMNS[kind], "tab": kind + "s"}
    if cursor:  # "load more": only the next rows
        return render(request, f"_{kind}_rows.html", context)
    return render(request, "list.html", context)  # a filter mistake is shown inline, not as an HTTP error


@router.get("/projects/{project}/traces", response_class=HTMLResponse)
def traces_page(store: StoreDep, project: str, request: Request) -> Response:
    return _list(request, store, "trace", project)


@router.get("/projects/{project}/spans", response_class=HTMLResponse)
def spans_page(store: StoreDep, project: str, request: Request) -> Response:
    return _list(request, store, "span", project)
