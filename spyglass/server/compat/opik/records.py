"""What the trace and span endpoints share: creates, updates (PATCH, batch PATCH), reads, lists,
search streams and deletes, parameterised by the kind of record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from starlette.responses import Response

from spyglass.server.api._records import delete_records
from spyglass.server.compat.opik.body import list_field, text_field
from spyglass.server.compat.opik.filters import filter_text, quote, sort_text
from spyglass.server.compat.opik.paging import MAX_PAGE_SIZE, numbered_page, page_body, resumed
from spyglass.server.compat.opik.projects import find_project, resolve_name
from spyglass.server.compat.opik.public import span_public, trace_public
from spyglass.server.compat.opik.translate import retag, span_record, trace_record
from spyglass.server.compat.opik.writes import write
from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.store import queries
from spyglass.server.store.base import Store


@dataclass(frozen=True)
class Kind:
    name: str  # "trace" | "span"
    plural: str
    get: Callable[[Connection, str], dict[str, Any]]
    list: Callable[..., queries.Page]
    record: Callable[[dict[str, Any], dict[str, Any] | None], dict[str, Any]]
    public: Callable[[dict[str, Any], str | None], dict[str, Any]]
    count_key: str  # the project's rollup total
    sortable: tuple[str, ...]


TRACE = Kind("trace", "traces", queries.get_trace, queries.list_traces, trace_record, trace_public, "trace_count",
             ("start_time", "end_time", "name", "duration", "total_estimated_cost", "usage.total_tokens",
              "span_count"))
SPAN = Kind("span", "spans", queries.get_span, queries.list_spans, span_record, span_public, "span_count",
            ("start_time", "end_time", "name", "duration", "total_estimated_cost", "usage.total_tokens", "model"))


def stored(store: Store, kind: Kind, record_id: str) -> dict[str, Any] | None:
    with store.read() as conn:
        try:
            return kind.get(conn, record_id)
        except NotFound:
            return None


async def create(store: Store, kind: Kind, items: list[Any], status: int = 204) -> Response:
    if not all(isinstance(item, dict) for item in items):
        raise BadRequest(f"{kind.plural}: every item must be an object")
    return await write(store, {kind.plural: [kind.record(item, None) for item in items]}, status=status)


def update_record(kind: Kind, record_id: str, update: dict[str, Any], current: dict[str, Any] | None,
                  merge_tags: bool = False) -> dict[str, Any]:
    """A TraceUpdate/SpanUpdate for one record, applied over what is stored (an update may
    arrive before its create: then it makes a stub that the create completes)."""
    item = {**update, "id": record_id}
    if not item.get("project_name") and current is not None:
        item["project_name"] = current["project"]
    if current is not None and kind is SPAN and not item.get("trace_id"):
        item["trace_id"] = current["trace_id"]
    tags_now = current["tags"] if current is not None else []
    if merge_tags and isinstance(update.get("tags"), list):
        item["tags"] = retag(tags_now, update["tags"], [])
    elif update.get("tags_to_add") or update.get("tags_to_remove"):
        base = update["tags"] if isinstance(update.get("tags"), list) else tags_now
        item["tags"] = retag(base, update.get("tags_to_add"), update.get("tags_to_remove"))
    return kind.record(item, current["metadata"] if current is not None else {})


async def update_one(store: Store, kind: Kind, record_id: str, update: dict[str, Any]) -> Response:
    if update.get("project_id") and not update.get("project_name"):
        with store.read() as conn:
            update = {**update, "project_name": resolve_name(store, conn, None, update["project_id"])}
    record = update_record(kind, record_id, update, stored(store, kind, record_id))
    return await write(store, {kind.plural: [record]})


async def update_many(store: Store, kind: Kind, body: dict[str, Any]) -> Response:
    ids, update = list_field(body, "ids"), body.get("update")
    if not isinstance(update, dict):
        raise BadRequest("update: must be an object", detail={"field": "update"})
    records = [update_record(kind, str(i), update, current, bool(body.get("merge_tags")))
               for i in dict.fromkeys(ids) if (current := stored(store, kind, str(i))) is not None]
    return await write(store, {kind.plural: records})


async def delete(store: Store, kind: Kind, ids: list[Any]) -> Response:
    if ids:
        await delete_records(store, kind.name, [str(i) for i in ids])
    return Response(status_code=204)


def get_public(store: Store, kind: Kind, record_id: str) -> dict[str, Any]:
    with store.read() as conn:
        view = kind.get(conn, record_id)
        return kind.public(view, store.projects.lookup(conn, view["project"]))


def _without(item: dict[str, Any], exclude: list[Any] | None) -> dict[str, Any]:
    for name in exclude or ():
        item.pop(name, None)
    return item


@dataclass
class Listing:
    """One list or search request: the project, its filters and the fields to leave out."""

    project_name: str | None = None
    project_id: str | None = None
    filters: Any = None
    sorting: Any = None
    search: str | None = None
    from_time: str | None = None
    to_time: str | None = None
    exclude: list[Any] | None = None
    extra: list[str] | None = None  # filter-language conditions added by the endpoint


def list_page(store: Store, kind: Kind, listing: Listing, page: int, size: int) -> dict[str, Any]:
    with store.read() as conn:
        name = resolve_name(store, conn, listing.project_name, listing.project_id)
        try:
            project = find_project(store, conn, name=name)
        except NotFound:
            return page_body([], page, size, 0, list(kind.sortable))
        text = filter_text(listing.filters, search=listing.search, from_time=listing.from_time,
                           to_time=listing.to_time, extra=listing.extra)
        sort = sort_text(listing.sorting)

        def fetch(limit: int, cursor: str | None) -> queries.Page:
            return kind.list(conn, project["id"], name, filter_text=text, sort=sort, limit=limit, cursor=cursor)

        known = int(project[kind.count_key]) if text is None else None
        views, total = numbered_page(fetch, page, size, known_total=known)
    items = [_without(kind.public(v, project["id"]), listing.exclude) for v in views]
    return page_body(items, page, size, total, list(kind.sortable))


def search(store: Store, kind: Kind, body: dict[str, Any], listing: Listing) -> list[dict[str, Any]]:
    """One page of a search stream: up to `limit` records after `last_retrieved_id`, newest first."""
    limit = body.get("limit") or MAX_PAGE_SIZE
    if not isinstance(limit, int) or limit < 1:
        raise BadRequest("limit: must be a positive integer", detail={"field": "limit"})
    last_id = text_field(body, "last_retrieved_id")
    with store.read() as conn:
        name = resolve_name(store, conn, listing.project_name, listing.project_id)
        project_id = store.projects.lookup(conn, name)
        if project_id is None:
            return []
        extra: list[str] = list(listing.extra or ())
        tied: Callable[[dict[str, Any]], bool] | None = None
        if last_id is not None:
            try:
                last_start = kind.get(conn, last_id)["start_time"]
            except NotFound:
                return []
            extra.append(f"start_time <= {quote(last_start)}")

            def tied(view: dict[str, Any]) -> bool:
                return bool(view["start_time"] == last_start)
        text = filter_text(listing.filters, from_time=listing.from_time, to_time=listing.to_time, extra=extra)

        def fetch(size: int, cursor: str | None) -> queries.Page:
            return kind.list(conn, project_id, name, filter_text=text, limit=size, cursor=cursor)

        views = resumed(fetch, min(limit, MAX_PAGE_SIZE), last_id, tied)
    return [_without(kind.public(v, project_id), listing.exclude) for v in views]
