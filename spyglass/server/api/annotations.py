"""DELETE /api/v1/scores: remove one feedback score (writes and edits are POST /api/v1/scores)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.errors import NotFound
from spyglass.server.ingest.apply import DeleteScore
from spyglass.server.model.records import TargetType
from spyglass.server.routes import Routes
from spyglass.server.store.annotations import find_score
from spyglass.server.store.base import Store

router = Routes(prefix="/api/v1/scores", tags=["ingest"])


async def remove_score(store: Store, target: str, target_id: str, name: str, author: str | None) -> None:
    with store.read() as conn:
        found = find_score(conn, target, target_id, name, author)
    if found is None:
        raise NotFound(f"no score {name!r} by {author or 'anyone'!r} on {target} {target_id!r}")
    await store.writer.write(DeleteScore(target, target_id, name, author))


@router.delete("", status_code=204, summary="Delete one feedback score (key: target, target_id, name, author)")
async def delete_one(store: StoreDep, target: Annotated[TargetType, Query(description="trace, span or thread")],
               target_id: Annotated[str, Query(description="Id of the trace or span, or the thread id")],
               name: Annotated[str, Query(description="Score name")],
               author: Annotated[str | None, Query(description="Author; omit for scores without one")] = None) -> Response:
    await remove_score(store, target, target_id, name, author)
    return Response(status_code=204)
