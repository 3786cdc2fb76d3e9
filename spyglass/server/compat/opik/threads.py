"""Threads: list, retrieve, search (NDJSON), open/close.

Spyglass threads are derived from the traces that share a thread id (for Opik data: `thread_id`,
or Dify's `metadata.conversation_id`). They have no open/closed state: a thread reads as
`inactive` after 15 idle minutes, open/close answer 204 and change nothing, and feedback scores
can be given to a thread at any time.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.compat.opik.body import read_object, text_field
from spyglass.server.compat.opik.filters import parse_list
from spyglass.server.compat.opik.paging import MAX_PAGE_SIZE, check_page, ndjson, numbered_page, page_body, resumed
from spyglass.server.compat.opik.projects import resolve_name
from spyglass.server.compat.opik.public import thread_public
from spyglass.server.compat.opik.routing import NotSupported, OpikRouter
from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.store import queries
from spyglass.server.store.base import Store

router = OpikRouter(prefix="/v1/private/traces/threads", tags=["opik"])

ORDER = {"=": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge, "<": operator.lt,
         "<=": operator.le}
Predicate = Callable[[dict[str, Any]], bool]


def _condition(item: dict[str, Any]) -> Predicate:
    field, op, value = item.get("field"), str(item.get("operator") or ""), str(item.get("value") or "")
    if field in ("id", "status") and op in ("=", "!="):
        return lambda thread: ORDER[op](thread[field], value)
    if field == "id" and op in ("contains", "not_contains"):
        return lambda thread: (value in thread["id"]) == (op == "contains")
    if field == "number_of_messages" and op in ORDER:
        try:
            number = float(value)
        except ValueError:
            raise BadRequest(f"filters: number_of_messages needs a number, got {value!r}") from None
        return lambda thread: ORDER[op](thread["number_of_messages"], number)
    raise NotSupported(f"filters: '{field} {op}' is not supported for threads by Spyglass")


def thread_filter(filters: Any) -> Predicate:
    conditions = [_condition(item) for item in parse_list(filters, "filters")]
    return lambda thread: all(check(thread) for check in conditions)


def _project(store: Store, conn: Connection, body: dict[str, Any]) -> tuple[str, str | None]:
    name = resolve_name(store, conn, text_field(body, "project_name"), text_field(body, "project_id"))
    return name, store.projects.lookup(conn, name)


def _public(conn: Connection, project: str, project_id: str, view: dict[str, Any]) -> dict[str, Any]:
    traces = queries.get_thread(conn, project_id, project, view["id"])["traces"]
    return thread_public(view, project_id, traces)


def _threads(conn: Connection, project: str, project_id: str, keep: Predicate) -> Callable[..., queries.Page]:
    """A keyset fetch of the project's thread views that pass `keep` (it sees the fields
    filters can name, so that only the threads returned need their traces read)."""
    def fetch(limit: int, cursor: str | None) -> queries.Page:
        page = queries.list_threads(conn, project_id, project, limit=limit, cursor=cursor)
        items = [view for view in page.items if keep(thread_public(view, project_id))]
        return queries.Page(items, page.next_cursor)
    return fetch


@router.get("", summary="A page of a project's threads, most recently active first")
def list_threads(store: StoreDep, project_name: str | None = None, project_id: str | None = None,
                 page: Annotated[int | None, Query()] = None, size: Annotated[int | None, Query()] = None,
                 filters: str | None = None) -> dict[str, Any]:
    page, size = check_page(page, size)
    keep = thread_filter(filters)
    with store.read() as conn:
        name, found_id = _project(store, conn, {"project_name": project_name, "project_id": project_id})
        if found_id is None:
            return page_body([], page, size, 0, [])
        views, total = numbered_page(_threads(conn, name, found_id, keep), page, size)
        items = [_public(conn, name, found_id, view) for view in views]
    return page_body(items, page, size, total, [])


@router.post("/retrieve", summary="One thread; 404 when no trace has its id")
async def retrieve(store: StoreDep, request: Request) -> dict[str, Any]:
    body = await read_object(request, store)
    thread_id = text_field(body, "thread_id", required=True) or ""
    with store.read() as conn:
        name, found_id = _project(store, conn, body)
        if found_id is None:
            raise NotFound(f"project {name!r} not found")
        view = queries.get_thread(conn, found_id, name, thread_id)
        return thread_public(view, found_id, view["traces"])


def _search(store: Store, body: dict[str, Any]) -> list[dict[str, Any]]:
    limit = body.get("limit") or MAX_PAGE_SIZE
    if not isinstance(limit, int) or limit < 1:
        raise BadRequest("limit: must be a positive integer", detail={"field": "limit"})
    keep = thread_filter(body.get("filters"))
    with store.read() as conn:
        name, found_id = _project(store, conn, body)
        if found_id is None:
            return []
        last_id = text_field(body, "last_retrieved_thread_model_id")
        views = resumed(_threads(conn, name, found_id, keep), min(limit, MAX_PAGE_SIZE), last_id)
        return [_public(conn, name, found_id, view) for view in views]


@router.post("/search", summary="Stream a project's threads as NDJSON, resumable after a thread id")
async def search(store: StoreDep, request: Request) -> Response:
    body = await read_object(request, store)
    return ndjson(await run_in_threadpool(_search, store, body))


@router.put("/open", status_code=204, summary="Accepted; Spyglass threads have no closed state")
async def open_thread(store: StoreDep, request: Request) -> Response:
    await read_object(request, store)
    return Response(status_code=204)


@router.put("/close", status_code=204, summary="Accepted; Spyglass threads have no closed state")
async def close_thread(store: StoreDep, request: Request) -> Response:
    await read_object(request, store)
    return Response(status_code=204)
