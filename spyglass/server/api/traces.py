"""Traces: list (filter, sort, keyset pages), get with spans, PATCH, DELETE."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from spyglass.server.api._records import (
    CursorParam, FilterParam, LimitParam, ProjectParam, SortParam, delete_records, patch_record,
)
from spyglass.server.api.deps import get_store
from spyglass.server.model.records import Id, trace_in
from spyglass.server.store import queries
from spyglass.server.store.base import Store

router = APIRouter(prefix="/api/v1/traces", tags=["traces"])


@router.get("", summary="List traces of a project")
def list_traces(project: ProjectParam, filter: FilterParam = None, sort: SortParam = None, limit: LimitParam = 50,
                cursor: CursorParam = None, store: Store = Depends(get_store)) -> dict[str, Any]:
    with store.read() as conn:
        project_id = store.project_id(conn, project)
        page = queries.list_traces(conn, project_id, project, filter_text=filter, sort=sort, limit=limit,
                                   cursor=cursor)
    return page.as_dict()


@router.get("/{trace_id}", summary="A trace with its spans (flat with parent ids, or nested with tree=true)")
def get_trace(trace_id: str, tree: bool = False, store: Store = Depends(get_store)) -> dict[str, Any]:
    with store.read() as conn:
        trace = queries.get_trace(conn, trace_id)
        spans = queries.spans_of_trace(conn, trace_id, trace["project"])
    return {"trace": trace, "spans": queries.as_tree(spans) if tree else spans}


@router.patch("/{trace_id}", summary="Change fields of a trace (given fields win, others are kept)")
async def patch_trace(trace_id: str, request: Request, store: Store = Depends(get_store)) -> dict[str, Any]:
    with store.read() as conn:
        trace = queries.get_trace(conn, trace_id)
    await patch_record(request, store, trace_in, {"id": trace_id, "project": trace["project"]}, "traces")
    with store.read() as conn:
        return queries.get_trace(conn, trace_id)


class DeleteBody(BaseModel):
    ids: list[Id] = Field(min_length=1, max_length=10_000)


@router.delete("/{trace_id}", status_code=204, summary="Delete a trace, its spans and their scores")
async def delete_trace(trace_id: str, store: Store = Depends(get_store)) -> Response:
    with store.read() as conn:
        queries.get_trace(conn, trace_id)
    await delete_records(store, "trace", [trace_id])
    return Response(status_code=204)


@router.post("/delete", status_code=204, summary="Delete many traces")
async def delete_traces(body: DeleteBody, store: Store = Depends(get_store)) -> Response:
    await delete_records(store, "trace", body.ids)
    return Response(status_code=204)
