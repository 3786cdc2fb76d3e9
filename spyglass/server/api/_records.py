"""Shared handler steps for traces and spans: list parameters, PATCH validation, deletes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import TypeAdapter, ValidationError

from spyglass.server.api.body import read_body
from spyglass.server.errors import BadRequest, Unprocessable
from spyglass.server.ingest.apply import Delete
from spyglass.server.ingest.submit import write_items
from spyglass.server.store.base import Store

ProjectParam = Annotated[str, Query(description="Project name")]
FilterParam = Annotated[str | None, Query(description="Filter language, see docs/filter-language.md")]
SortParam = Annotated[str | None, Query(description="Field to sort by, `-` for descending (default -start_time)")]
LimitParam = Annotated[int, Query(description="Page size, 1-1000")]
CursorParam = Annotated[str | None, Query(description="next_cursor of the previous page")]


async def patch_record(request: Request, store: Store, adapter: TypeAdapter[Any], base: dict[str, Any],
                       kind: str) -> dict[str, Any]:
    """Validate a PATCH body merged over the fields that identify the record, then write it."""
    raw = await read_body(request, store.settings.max_request_bytes)
    try:
        patch = TypeAdapter(dict[str, Any]).validate_json(raw)
    except ValidationError:
        raise BadRequest("body must be a JSON object of the fields to change") from None
    for key in base:
        patch.pop(key, None)
    try:
        record = adapter.validate_python({**patch, **base})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise Unprocessable(f"{field}: {error['msg']}", detail={"field": field}) from None
    await write_items(store, {kind: [record]}, base.get("project"))
    return record


async def delete_records(store: Store, kind: str, ids: list[str]) -> None:
    await store.writer.write(Delete(kind, ids))
