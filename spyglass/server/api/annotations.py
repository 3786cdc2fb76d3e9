"""DELETE /api/v1/scores: remove one feedback score (writes and edits are POST /api/v1/scores)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from spyglass.server.api.deps import get_store
from spyglass.server.errors import NotFound
from spyglass.server.model.records import TargetType
from spyglass.server.store.annotations import delete_score
from spyglass.server.store.base import Store

router = APIRouter(prefix="/api/v1/scores", tags=["ingest"])


def remove_score(store: Store, target: str, target_id: str, name: str, author: str | None) -> None:
    with store.engine.begin() as conn:
        found = delete_score(conn, store.statements, target, target_id, name, author)
    if not found:
        raise NotFound(f"no score {name!r} by {author or 'anyone'!r} on {target} {target_id!r}")


@router.delete("", status_code=204, summary="Delete one feedback score (key: target, target_id, name, author)")
def delete_one(target: Annotated[TargetType, Query(description="trace, span or thread")],
               target_id: Annotated[str, Query(description="Id of the trace or span, or the thread id")],
               name: Annotated[str, Query(description="Score name")],
               author: Annotated[str | None, Query(description="Author; omit for scores without one")] = None,
               store: Store = Depends(get_store)) -> Response:
    remove_score(store, target, target_id, name, author)
    return Response(status_code=204)
