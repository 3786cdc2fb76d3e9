"""Validate translated records and write them through the one ingest entry point.

A batch keeps its good records when some are bad (as native ingest does); the answer is then
422 naming each bad record and field, so the SDK logs what was dropped.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.responses import Response

from spyglass.server.compat.opik.routing import opik_error
from spyglass.server.ingest.submit import write_items
from spyglass.server.model.records import ITEM_ADAPTERS, ingest_body
from spyglass.server.store.base import Store


def _problem(kind: str, index: int, exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error["loc"]) or "(item)"
    return f"{kind}[{index}].{field}: {error['msg']}"


def validate(items: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Canonical records that pass validation, and one message per record that does not."""
    try:
        body = ingest_body.validate_python(items)
        return {kind: list(body.get(kind) or []) for kind in items}, []  # type: ignore[misc]
    except ValidationError:
        pass
    good: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for kind, records in items.items():
        good[kind] = []
        for index, record in enumerate(records):
            try:
                good[kind].append(ITEM_ADAPTERS[kind].validate_python(record))
            except ValidationError as exc:
                problems.append(_problem(kind, index, exc))
    return good, problems


async def write(store: Store, items: dict[str, list[dict[str, Any]]], *, status: int = 204) -> Response:
    """Write what validates; `status` on full success, 422 listing the rejected records otherwise."""
    good, problems = validate(items)
    written = await write_items(store, good, None)
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        return opik_error(422, f"{len(problems)} record(s) rejected, {written} written: {shown}")
    return Response(status_code=status)
