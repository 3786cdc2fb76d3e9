"""SQL for JSON documents (metadata paths, tags): SQLite JSON1 and PostgreSQL jsonb.

Every expression here is two-valued (never NULL), like everything `query.sql` builds.
Paths are object keys only: `metadata.a.0` reads key "0", never an array element.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, exists, false, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from spyglass.server.query import ast
from spyglass.server.query.ast import Op
from spyglass.server.store import search

Compare = Callable[[Any, Any], ColumnElement[bool]]
SQL_OPS: dict[Op, Compare] = {
    Op.EQ: lambda a, b: a == b,
    Op.GT: lambda a, b: a > b,
    Op.GE: lambda a, b: a >= b,
    Op.LT: lambda a, b: a < b,
    Op.LE: lambda a, b: a <= b,
}
_SQLITE_TYPES = {str: ("text",), bool: ("true", "false"), float: ("integer", "real"), int: ("integer", "real")}


def _typed(value: ast.Scalar) -> str | float | int | bool:
    assert isinstance(value, (ast.Str, ast.Num, ast.Bool))
    return value.value


def metadata_compare(col: Any, path: tuple[str, ...], op: Op, value: ast.Value | None,
                     dialect: str) -> ColumnElement[bool]:
    doc = _SqliteDoc(col, path) if dialect == "sqlite" else _PostgresDoc(col, path)
    if op is Op.IS_NULL:
        return doc.kind().in_(["missing", "null"])
    assert value is not None
    if op is Op.IN:
        assert isinstance(value, ast.ListOf)
        items = [doc.compare(Op.EQ, _typed(item)) for item in value.items]
        return or_(*items) if items else false()
    assert not isinstance(value, ast.ListOf)
    if op is Op.MATCH:
        assert isinstance(value, ast.Str)
        return and_(doc.kind() == doc.kind_of(""), search.ascii_like(doc.text(), value.value, dialect))
    return doc.compare(op, _typed(value))


class _SqliteDoc:
    def __init__(self, col: Any, path: tuple[str, ...]) -> None:
        self.col = col
        self.path = "$" + "".join(f'."{key}"' for key in path)

    def kind(self) -> ColumnElement[str]:
        return func.coalesce(func.json_type(self.col, self.path), "missing")

    def kind_of(self, value: object) -> str:
        return _SQLITE_TYPES[type(value)][0]

    def text(self) -> ColumnElement[Any]:
        return func.json_extract(self.col, self.path)

    def compare(self, op: Op, value: str | float | int | bool) -> ColumnElement[bool]:
        if isinstance(value, bool):
            return self.kind() == ("true" if value else "false")
        return and_(self.kind().in_(_SQLITE_TYPES[type(value)]), SQL_OPS[op](self.text(), value))


class _PostgresDoc:
    def __init__(self, col: Any, path: tuple[str, ...]) -> None:
        self.parent = col
        for key in path[:-1]:
            self.parent = self.parent.op("->", return_type=JSONB)(cast(literal(key), Text))
        self.last = path[-1]
        self.value = self.parent.op("->", return_type=JSONB)(cast(literal(self.last), Text))

    def kind(self) -> ColumnElement[str]:
        return func.coalesce(func.jsonb_typeof(self.value), "missing")

    def kind_of(self, value: object) -> str:
        if isinstance(value, bool):
            return "boolean"
        return "string" if isinstance(value, str) else "number"

    def text(self) -> ColumnElement[Any]:
        text: ColumnElement[Any] = self.parent.op("->>", return_type=Text)(cast(literal(self.last), Text))
        return text

    def compare(self, op: Op, value: str | float | int | bool) -> ColumnElement[bool]:
        same_kind = self.kind() == self.kind_of(value)
        if isinstance(value, str) and op is not Op.EQ:
            # Byte order, as SQLite and Python compare strings, whatever the database's collation.
            return and_(same_kind, SQL_OPS[op](self.text().collate("C"), value))
        return and_(same_kind, SQL_OPS[op](self.value, cast(literal(json.dumps(value)), JSONB)))


def tags_contain(col: Any, tag: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        each = func.json_each(col).table_valued("value", "type")
        found = exists(select(literal(1)).select_from(each).where(each.c.type == "text", each.c.value == tag))
        return and_(func.coalesce(func.json_type(col), "") == "array", found)
    return and_(col.is_not(None), col.op("@>")(cast(literal(json.dumps([tag])), JSONB)))


def tags_empty(col: Any, dialect: str) -> ColumnElement[bool]:
    """No tags: NULL, not a list, or an empty list."""
    if dialect == "sqlite":
        return or_(col.is_(None), func.json_type(col) != "array", func.json_array_length(col) == 0)
    return or_(col.is_(None), func.jsonb_typeof(col) != "array", col == cast(literal("[]"), JSONB))
