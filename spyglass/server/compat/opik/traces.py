"""Traces: batch and single create, PATCH (one or many), get, list (pages), search (NDJSON), delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.compat.opik import records
from spyglass.server.compat.opik.body import list_field, read_object
from spyglass.server.compat.opik.paging import check_page, ndjson
from spyglass.server.compat.opik.records import TRACE, Listing
from spyglass.server.compat.opik.routing import OpikRouter

router = OpikRouter(prefix="/v1/private/traces", tags=["opik"])


@router.post("/batch", status_code=204, summary="Create or complete many traces (upsert by id)")
async def create_batch(store: StoreDep, request: Request) -> Response:
    return await records.create(store, TRACE, list_field(await read_object(request, store), "traces"))


@router.patch("/batch", status_code=204, summary="Apply one update to many traces")
async def update_batch(store: StoreDep, request: Request) -> Response:
    return await records.update_many(store, TRACE, await read_object(request, store))


@router.post("/search", summary="Stream traces as NDJSON, newest first, resumable after an id")
async def search(store: StoreDep, request: Request) -> Response:
    body = await read_object(request, store)
    listing = Listing(body.get("project_name"), body.get("project_id"), body.get("filters"),
                      from_time=body.get("from_time"), to_time=body.get("to_time"), exclude=body.get("exclude"))
    return ndjson(await run_in_threadpool(records.search, store, TRACE, body, listing))


@router.post("/delete", status_code=204, summary="Delete traces with their spans and scores")
async def delete_many(store: StoreDep, request: Request) -> Response:
    return await records.delete(store, TRACE, list_field(await read_object(request, store), "ids"))


@router.post("", status_code=201, summary="Create one trace")
async def create_one(store: StoreDep, request: Request) -> Response:
    return await records.create(store, TRACE, [await read_object(request, store)], status=201)


@router.get("", summary="A page of a project's traces (page, size, total)")
def list_traces(store: StoreDep, project_name: str | None = None, project_id: str | None = None,
                page: Annotated[int | None, Query()] = None, size: Annotated[int | None, Query()] = None,
                filters: str | None = None, sorting: str | None = None, search: str | None = None,
                from_time: str | None = None, to_time: str | None = None,
                exclude: Annotated[list[str] | None, Query()] = None) -> dict[str, Any]:
    page, size = check_page(page, size)
    listing = Listing(project_name, project_id, filters, sorting, search, from_time, to_time, exclude)
    return records.list_page(store, TRACE, listing, page, size)


@router.get("/{trace_id}", summary="One trace")
def get_trace(store: StoreDep, trace_id: str) -> dict[str, Any]:
    return records.get_public(store, TRACE, trace_id)


@router.patch("/{trace_id}", status_code=204, summary="Update a trace (an update before the create makes a stub)")
async def update_trace(store: StoreDep, trace_id: str, request: Request) -> Response:
    return await records.update_one(store, TRACE, trace_id, await read_object(request, store))


@router.delete("/{trace_id}", status_code=204, summary="Delete one trace")
async def delete_trace(store: StoreDep, trace_id: str) -> Response:
    return await records.delete(store, TRACE, [trace_id])
