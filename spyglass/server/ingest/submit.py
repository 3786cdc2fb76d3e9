"""The one entry point for writes from any wire format: validated records -> committed rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spyglass.server.ingest.prepare import prepare, project_names
from spyglass.server.model.convert import now_us

if TYPE_CHECKING:
    from spyglass.server.store.base import Store


async def write_items(store: Store, items: dict[str, list[dict[str, Any]]], project: str | None) -> int:
    """Prepare and write validated records (`traces`, `spans`, `scores`, shaped as in
    model/records.py; times may be datetimes or int microseconds). Returns how many were
    written, once they are committed. Raises Overloaded (429) when the write queue is full."""
    default_project = project or store.settings.default_project
    if not any(items.values()):
        return 0
    project_ids = await store.project_ids_for_write(project_names(items, default_project))
    work = prepare(items, project_ids, default_project, store.statements.span, now_us())
    await store.writer.write(work)
    return work.size
