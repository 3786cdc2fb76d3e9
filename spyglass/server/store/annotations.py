"""Reading one feedback score by its key (adding, editing and removing go through the writer)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.engine import Connection

from spyglass.server.store import tables as t


def score_key(target_type: str, target_id: str, name: str, author: str | None) -> ColumnElement[bool]:
    sc = t.feedback_score.c
    return and_(sc.target_type == target_type, sc.target_id == target_id, sc.name == name,
                sc.author == (author or ""))


def find_score(conn: Connection, target_type: str, target_id: str, name: str, author: str | None) -> Any:
    """The score's rollup facts (project, name, time, value), or None."""
    sc = t.feedback_score.c
    return conn.execute(select(sc.project_id, sc.name, sc.time, sc.value)
                        .where(score_key(target_type, target_id, name, author))).first()
