"""Spans: batch and single create, PATCH (one or many), get, list (pages), search (NDJSON), delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.compat.opik import records
from spyglass.server.compat.opik.body import list_field, read_object
from spyglass.server.compat.opik.filters import quote
from spyglass.server.compat.opik.paging import check_page, ndjson
from spyglass.server.compat.opik.records import SPAN, TRACE, Listing
from spyglass.server.compat.opik.routing import OpikRouter
from spyglass.server.compat.opik.translate import span_type
from spyglass.server.store.base import Store

router = OpikRouter(prefix="/v1/private/spans", tags=["opik"])


def _scope(store: Store, listing: Listing, trace_id: str | None, span_kind: str | None) -> Listing:
    """Narrow a span listing to a trace and a type; the trace also tells the project."""
    extra = []
    if trace_id:
        extra.append(f"trace_id = {quote(trace_id)}")
        if not listing.project_name and not listing.project_id:
            trace = records.stored(store, TRACE, trace_id)
            listing.project_name = trace["project"] if trace else None
    if span_kind:
        extra.append(f"type = {quote(span_type(span_kind) or 'general')}")
    listing.extra = extra
    return listing


@router.post("/batch", status_code=204, summary="Create or complete many spans (upsert by id)")
async def create_batch(store: StoreDep, request: Request) -> Response:
    return await records.create(store, SPAN, list_field(await read_object(request, store), "spans"))


@router.patch("/batch", status_code=204, summary="Apply one update to many spans")
async def update_batch(store: StoreDep, request: Request) -> Response:
    return await records.update_many(store, SPAN, await read_object(request, store))


@router.post("/search", summary="Stream spans as NDJSON, newest first, resumable after an id")
async def search(store: StoreDep, request: Request) -> Response:
    body = await read_object(request, store)
    listing = Listing(body.get("project_name"), body.get("project_id"), body.get("filters"),
                      from_time=body.get("from_time"), to_time=body.get("to_time"), exclude=body.get("exclude"))
    listing = _scope(store, listing, body.get("trace_id"), body.get("type"))
    return ndjson(await run_in_threadpool(records.search, store, SPAN, body, listing))


@router.post("", status_code=201, summary="Create one span")
async def create_one(store: StoreDep, request: Request) -> Response:
    return await records.create(store, SPAN, [await read_object(request, store)], status=201)


@router.get("", summary="A page of a project's spans (page, size, total), optionally of one trace")
def list_spans(store: StoreDep, project_name: str | None = None, project_id: str | None = None,
               trace_id: str | None = None, type: str | None = None,
               page: Annotated[int | None, Query()] = None, size: Annotated[int | None, Query()] = None,
               filters: str | None = None, sorting: str | None = None, search: str | None = None,
               from_time: str | None = None, to_time: str | None = None,
               exclude: Annotated[list[str] | None, Query()] = None) -> dict[str, Any]:
    page, size = check_page(page, size)
    listing = _scope(store, Listing(project_name, project_id, filters, sorting, search, from_time, to_time, exclude),
                     trace_id, type)
    return records.list_page(store, SPAN, listing, page, size)


@router.get("/{span_id}", summary="One span")
def get_span(store: StoreDep, span_id: str) -> dict[str, Any]:
    return records.get_public(store, SPAN, span_id)


@router.patch("/{span_id}", status_code=204, summary="Update a span (an update before the create makes a stub)")
async def update_span(store: StoreDep, span_id: str, request: Request) -> Response:
    return await records.update_one(store, SPAN, span_id, await read_object(request, store))


@router.delete("/{span_id}", status_code=204, summary="Delete one span")
async def delete_span(store: StoreDep, span_id: str) -> Response:
    return await records.delete(store, SPAN, [span_id])
