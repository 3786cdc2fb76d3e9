"""Feedback scores on traces, spans and threads: batches, single scores, deletes.

Opik's `category_name` is Spyglass's score label, `author` its author; sources map
sdk -> sdk, ui -> ui, online_scoring -> online_eval. Threads need no closing first.
"""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import Request
from starlette.responses import Response

from spyglass.server.api.annotations import remove_score
from spyglass.server.api.deps import StoreDep
from spyglass.server.compat.opik.body import list_field, read_object, text_field
from spyglass.server.compat.opik.routing import OpikRouter
from spyglass.server.compat.opik.translate import score_record
from spyglass.server.compat.opik.writes import write
from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.store.base import Store

router = OpikRouter(prefix="/v1/private", tags=["opik"])


def _scores(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = list_field(body, "scores")
    if not all(isinstance(item, dict) for item in items):
        raise BadRequest("scores: every item must be an object")
    return items


async def _remove(store: Store, target: str, target_id: str, names: list[Any], author: str | None) -> Response:
    for name in names:
        with contextlib.suppress(NotFound):  # deleting what is not there is done already
            await remove_score(store, target, target_id, str(name), author)
    return Response(status_code=204)


@router.put("/traces/feedback-scores", status_code=204, summary="Scores on many traces")
async def score_traces(store: StoreDep, request: Request) -> Response:
    scores = _scores(await read_object(request, store))
    return await write(store, {"scores": [score_record(s, "trace", s.get("id")) for s in scores]})


@router.put("/spans/feedback-scores", status_code=204, summary="Scores on many spans")
async def score_spans(store: StoreDep, request: Request) -> Response:
    scores = _scores(await read_object(request, store))
    return await write(store, {"scores": [score_record(s, "span", s.get("id")) for s in scores]})


@router.put("/traces/threads/feedback-scores", status_code=204, summary="Scores on many threads")
async def score_threads(store: StoreDep, request: Request) -> Response:
    scores = _scores(await read_object(request, store))
    return await write(store, {"scores": [score_record(s, "thread", s.get("thread_id")) for s in scores]})


@router.post("/traces/threads/feedback-scores/delete", status_code=204, summary="Delete scores of a thread")
async def delete_thread_scores(store: StoreDep, request: Request) -> Response:
    body = await read_object(request, store)
    thread_id = text_field(body, "thread_id", required=True) or ""
    return await _remove(store, "thread", thread_id, list_field(body, "names"), text_field(body, "author"))


@router.put("/traces/{trace_id}/feedback-scores", status_code=204, summary="One score on a trace")
async def score_trace(store: StoreDep, trace_id: str, request: Request) -> Response:
    return await write(store, {"scores": [score_record(await read_object(request, store), "trace", trace_id)]})


@router.put("/spans/{span_id}/feedback-scores", status_code=204, summary="One score on a span")
async def score_span(store: StoreDep, span_id: str, request: Request) -> Response:
    return await write(store, {"scores": [score_record(await read_object(request, store), "span", span_id)]})


@router.post("/traces/{trace_id}/feedback-scores/delete", status_code=204, summary="Delete a trace's score")
async def delete_trace_score(store: StoreDep, trace_id: str, request: Request) -> Response:
    body = await read_object(request, store)
    name = text_field(body, "name", required=True)
    return await _remove(store, "trace", trace_id, [name], text_field(body, "author"))


@router.post("/spans/{span_id}/feedback-scores/delete", status_code=204, summary="Delete a span's score")
async def delete_span_score(store: StoreDep, span_id: str, request: Request) -> Response:
    body = await read_object(request, store)
    name = text_field(body, "name", required=True)
    return await _remove(store, "span", span_id, [name], text_field(body, "author"))
