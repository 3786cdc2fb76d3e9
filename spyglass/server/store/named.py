"""Shared steps for the named workspace objects (datasets, experiments, prompts).

JSON parameters per dialect, newest-first keyset pages, and name-or-id lookups.
"""

from __future__ import annotations

from typing import Any

import orjson

from sqlalchemy import ColumnElement, Select, Table, and_, or_, select
from sqlalchemy.engine import Connection, Row

from spyglass.server.errors import BadRequest
from spyglass.server.model.convert import dump_json
from spyglass.server.store.pagination import decode_cursor, encode_cursor
from spyglass.server.store.queries import check_limit

IN_CHUNK = 500  # ids per IN (...) list: far below every driver's parameter limit


def json_param(conn: Connection, value: Any) -> Any:
    """A value for a `Json` column: text on SQLite, the object on PostgreSQL (JSONB encodes it), both as
    orjson writes it (NaN and infinities become null, as JSON has no such numbers)."""
    text = dump_json(value)
    if conn.dialect.name == "sqlite" or text is None:
        return text
    return orjson.loads(text)


def chunks(values: list[Any], size: int = IN_CHUNK) -> list[list[Any]]:
    return [values[i:i + size] for i in range(0, len(values), size)]


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern matching `text` anywhere, wildcards escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def newest_first(conn: Connection, query: Select[Any], table: Table, limit: int,
                 cursor: str | None) -> tuple[list[Row[Any]], str | None]:
    """One page of `query` ordered by (created_at, id) descending, with the cursor of the next page."""
    created, key = table.c.created_at, table.c.id
    if cursor:
        value, _ = decode_cursor(cursor)
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)
                and isinstance(value[1], str)):
            raise BadRequest("cursor: not a cursor returned by this API")
        query = query.where(or_(created < value[0], and_(created == value[0], key < value[1])))
    rows = conn.execute(query.order_by(created.desc(), key.desc()).limit(check_limit(limit) + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([last.created_at, last.id], 0)
    return rows[:limit], next_cursor


def name_or_id(table: Table, value: str, workspace_id: str) -> ColumnElement[bool]:
    """Rows of the workspace whose id or name is `value` (ids win: callers take the id match first)."""
    return and_(table.c.workspace_id == workspace_id, or_(table.c.id == value, table.c.name == value))


def pick(rows: list[Row[Any]], value: str) -> Row[Any] | None:
    """The row whose id is `value`, else the one whose name is."""
    for row in rows:
        if row.id == value:
            return row
    return rows[0] if rows else None


def find_named(conn: Connection, table: Table, value: str, workspace_id: str) -> Row[Any] | None:
    """The row of `table` with this id, or else with this name, in the workspace."""
    return pick(conn.execute(select(table).where(name_or_id(table, value, workspace_id))).all(), value)
