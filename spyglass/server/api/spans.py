"""Spans: flat list across traces (filter, sort, keyset pages), get, PATCH, DELETE."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

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
from spyglass.server.model.records import span_in
from spyglass.server.routes import Routes
from spyglass.server.store import queries

router = Routes(prefix="/api/v1/spans", tags=["spans"])


@router.get("", summary="List spans of a project")
def list_spans(store: StoreDep, project: ProjectParam, filter: FilterParam = None, sort: SortParam = None, limit: LimitParam = 50,
               cursor: CursorParam = None) -> dict[str, Any]:
    with store.read() as conn:
        project_id = store.project_id(conn, project)
        page = queries.list_spans(conn, project_id, project, filter_text=filter, sort=sort, limit=limit,
                                  cursor=cursor)
    return page.as_dict()


@router.get("/{span_id}", summary="One span")
def get_span(store: StoreDep, span_id: str) -> dict[str, Any]:
    with store.read() as conn:
        return queries.get_span(conn, span_id)


@router.patch("/{span_id}", summary="Change fields of a span (given fields win, others are kept)")
async def patch_span(store: StoreDep, span_id: str, request: Request) -> dict[str, Any]:
    with store.read() as conn:
        span = queries.get_span(conn, span_id)
    base = {"id": span_id, "trace_id": span["trace_id"], "project": span["project"]}
    await patch_record(request, store, span_in, base, "spans")
    with store.read() as conn:
        return queries.get_span(conn, span_id)


@router.delete("/{span_id}", status_code=204, summary="Delete a span and its scores")
async def delete_span(store: StoreDep, span_id: str) -> Response:
    with store.read() as conn:
        queries.get_span(conn, span_id)
    await delete_records(store, "span", [span_id])
    return Response(status_code=204)
