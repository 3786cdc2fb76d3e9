"""The trace view: span tree + waterfall (drawn in the browser from payload-free span skeletons)
and a detail pane whose payloads load only when a span is opened."""

from __future__ import annotations

import gzip
import os
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.model.convert import now_us
from spyglass.server.store import queries
from spyglass.server.store.base import Store
from spyglass.server.store.trace_tree import SKELETON_FIELDS, span_skeletons
from spyglass.server.ui.chat import as_chat, as_documents
from spyglass.server.ui.errors import html_router
from spyglass.server.ui.render import render
from spyglass.server.ui.trace_lazy import lazy_doc

router = html_router()
# Up to this many spans ride inside the page (one round trip); bigger traces open lazily: the
# first levels ride in the page and a span's children load when it is expanded (trace_lazy.py).
# SPYGLASS_UI_INLINE_SPANS changes the limit (tests use a small one to take the lazy path).
INLINE_SPANS = int(os.environ.get("SPYGLASS_UI_INLINE_SPANS", "20000"))
GZIP_OVER = 64 * 1024


def skeleton_doc(store: Store, trace_id: str, since_us: int | None = None) -> dict[str, Any]:
    with store.read() as conn:
        rows = span_skeletons(conn, trace_id, since_us=since_us)
        trace = queries.get_trace(conn, trace_id)
    return {"fields": SKELETON_FIELDS, "rows": rows, "now": now_us(), "running": trace["end_time"] is None}


def script_json(value: Any) -> str:
    """JSON safe inside <script type="application/json">."""
    return orjson.dumps(value).decode().replace("</", "<\\/")


@router.get("/traces/{trace_id}", response_class=HTMLResponse)
def trace_page(store: StoreDep, trace_id: str, request: Request) -> Response:
    with store.read() as conn:
        trace = queries.get_trace(conn, trace_id)
    selected = request.query_params.get("span", "")
    if trace["span_count"] <= INLINE_SPANS:
        doc = skeleton_doc(store, trace_id)
    else:
        doc = lazy_doc(store, trace, selected or None)
    return render(request, "trace.html", {
        "trace": trace, "project": trace["project"], "tab": "traces", "skeleton": script_json(doc),
        "selected": selected,
    })


@router.get("/traces/{trace_id}/skeleton")
def trace_skeleton(store: StoreDep, trace_id: str, request: Request, since: int | None = None) -> Response:
    body = orjson.dumps(skeleton_doc(store, trace_id, since))
    headers = {"Cache-Control": "no-store"}
    if len(body) > GZIP_OVER and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


def payload_views(record: dict[str, Any]) -> dict[str, Any]:
    """How to show input and output: as a chat, as documents, or as JSON."""
    views = {}
    for key in ("input", "output"):
        value = record.get(key)
        views[key] = {"value": value, "chat": as_chat(value), "docs": as_documents(value) if key == "output" else None}
    return views


@router.get("/traces/{trace_id}/detail", response_class=HTMLResponse)
def trace_detail(store: StoreDep, trace_id: str, request: Request) -> Response:
    with store.read() as conn:
        trace = queries.get_trace(conn, trace_id)
    return render(request, "_trace_detail.html", {"trace": trace, "views": payload_views(trace)})


@router.get("/spans/{span_id}/detail", response_class=HTMLResponse)
def span_detail(store: StoreDep, span_id: str, request: Request) -> Response:
    with store.read() as conn:
        span = queries.get_span(conn, span_id)
    return render(request, "_span_detail.html", {"span": span, "views": payload_views(span)})
