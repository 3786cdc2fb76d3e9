"""Reads behind bulk actions on many traces at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from spyglass.server.model.convert import load_json
from spyglass.server.store import tables as t

READ_CHUNK = 900  # ids per IN (...), under SQLite's parameter limit


def trace_tags(conn: Connection, ids: list[str]) -> dict[str, tuple[str, list[str]]]:
    """For each existing trace id: its project name and its tags."""
    tc, pc = t.trace.c, t.project.c
    found: dict[str, tuple[str, list[str]]] = {}
    for i in range(0, len(ids), READ_CHUNK):
        query = (select(tc.id, pc.name, tc.tags).join(t.project, pc.id == tc.project_id)
                 .where(tc.id.in_(ids[i:i + READ_CHUNK])))
        for row in conn.execute(query):
            tags: Any = load_json(row.tags) or []
            found[row.id] = (row.name, [str(tag) for tag in tags] if isinstance(tags, list) else [])
    return found
