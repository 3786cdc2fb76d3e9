"""Traces: list (filter, sort, keyset pages), get with spans, PATCH, DELETE."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel, Field

from spyglass.server.api._records import (
    CursorParam,
    FilterParam,
    LimitParam,
    ProjectParam,
    SortParam,
    delete_records,
    patch_record,
)
from spyglass.server.api.deps import StoreDep
from spyglass.server.model.records import Id, trace_in
from spyglass.server.routes import Routes
from spyglass.server.store import queries

router = Routes(prefix="/api/v1/traces", tags=["traces"])


@router.get("", summary="List traces of a project")
def list_traces(store: StoreDep, project: ProjectParam, filter: FilterParam = None, sort: SortParam = None, limit: LimitParam = 50,
                cursor: CursorParam = None) -> dict[str, Any]:
    with store.read() as conn:
        project_id = store.project_id(conn, project)
        page = queries.list_traces(conn, project_id, project, filter_text=filter, sort=sort, limit=limit,
                                   cursor=cursor)
    return page.as_dict()


@router.get("/{trace_id}", summary="A trace with its spans (flat with parent ids, or nested with tree=true)")
def get_trace(store: StoreDep, trace_id: str, tree: bool = False) -> dict[str, Any]:
    with store.read() as conn:
        trace = queries.get_trace(conn, trace_id)
        spans = queries.spans_of_trace(conn, trace_id, trace["project"])
    return {"trace": trace, "spans": queries.as_tree(spans) if tree else spans}


@router.patch("/{trace_id}", summary="Change fields of a trace (given fields win, others are kept)")
async def patch_trace(store: StoreDep, trace_id: str, request: Request) -> dict[str, Any]:
    with store.read() as conn:
        trace = queries.get_trace(conn, trace_id)
    await patch_record(request, store, trace_in, {"id": trace_id, "project": trace["project"]}, "traces")
    with store.read() as conn:
        return queries.get_trace(conn, trace_id)


class DeleteBody(BaseModel):
    ids: list[Id] = Field(min_length=1, max_length=10_000)


@router.delete("/{trace_id}", status_code=204, summary="Delete a trace, its spans and their scores")
async def delete_trace(store: StoreDep, trace_id: str) -> Response:
    with store.read() as conn:
        queries.get_trace(conn, trace_id)
    await delete_records(store, "trace", [trace_id])
    return Response(status_code=204)


@router.post("/delete", status_code=204, summary="Delete many traces")
async def delete_traces(store: StoreDep, body: DeleteBody) -> Response:
    await delete_records(store, "trace", body.ids)
    return Response(status_code=204)
