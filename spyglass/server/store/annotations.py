"""Removing feedback scores (adding and editing go through the ingest writer as upserts)."""

from __future__ import annotations

from sqlalchemy import and_, delete, select
from sqlalchemy.engine import Connection

from spyglass.server.ingest.rollups import RollupDelta, ScoreFacts
from spyglass.server.store import tables as t
from spyglass.server.store.statements import Statements


def delete_score(conn: Connection, statements: Statements, target_type: str, target_id: str, name: str,
                 author: str | None) -> bool:
    """Delete one score (its key is target, name and author) and take it out of the rollups,
    inside the caller's transaction. Returns False when there was no such score."""
    sc = t.feedback_score.c
    where = and_(sc.target_type == target_type, sc.target_id == target_id, sc.name == name,
                 sc.author == (author or ""))
    row = conn.execute(select(sc.project_id, sc.name, sc.time, sc.value).where(where)).first()
    if row is None:
        return False
    conn.execute(delete(t.feedback_score).where(where))
    rollups = RollupDelta()
    rollups.score(ScoreFacts(row.project_id, row.name, row.time, row.value), -1)
    # Rollup upserts add, so concurrent writers (serialised by the database) stay exact.
    statements.rollup_score.run(conn, rollups.score_rows())
    return True
