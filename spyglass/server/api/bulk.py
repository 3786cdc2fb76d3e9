"""Bulk changes to many traces: add or remove tags in one request (writes go through the writer)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from spyglass.server.api.deps import StoreDep
from spyglass.server.errors import Unprocessable
from spyglass.server.ingest.submit import write_items
from spyglass.server.model.records import Id, trace_in
from spyglass.server.routes import Routes
from spyglass.server.store.bulk import trace_tags

router = Routes(prefix="/api/v1/traces", tags=["traces"])


class TagsBody(BaseModel):
    ids: list[Id] = Field(min_length=1, max_length=10_000)
    add: list[str] = Field(default_factory=list, max_length=50)
    remove: list[str] = Field(default_factory=list, max_length=50)


def retag(current: list[str], add: list[str], remove: list[str]) -> list[str]:
    """Tags kept in their order, new ones appended once, removed ones dropped."""
    out = [tag for tag in current if tag not in remove]
    out.extend(tag for tag in dict.fromkeys(add) if tag not in out and tag not in remove)
    return out


def _records(found: dict[str, tuple[str, list[str]]], body: TagsBody) -> list[dict[str, Any]]:
    add = [tag.strip() for tag in body.add if tag.strip()]
    remove = [tag.strip() for tag in body.remove if tag.strip()]
    records = []
    for trace_id, (project, tags) in found.items():
        new = retag(tags, add, remove)
        if new != tags:
            try:
                records.append(dict(trace_in.validate_python({"id": trace_id, "project": project, "tags": new})))
            except ValidationError as exc:
                error = exc.errors()[0]
                raise Unprocessable(f"tags: {error['msg']}", detail={"field": "tags"}) from None
    return records


@router.post("/tags", summary="Add and/or remove tags on many traces: {ids, add, remove}")
async def tag_traces(store: StoreDep, body: TagsBody) -> dict[str, Any]:
    with store.read() as conn:
        found = trace_tags(conn, list(dict.fromkeys(body.ids)))
    records = _records(found, body)
    if records:
        await write_items(store, {"traces": records}, records[0]["project"])
    missing = [i for i in body.ids if i not in found]
    return {"matched": len(found), "updated": len(records), "missing": missing}
