"""AST -> SQLAlchemy boolean expression over the `trace` or `span` table (SQLite or PostgreSQL).

Every comparison compiles to a two-valued expression (a missing value gives false, never NULL),
so `not` means the same in SQL as in the Python predicate (`query.predicate`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Table,
    Text,
    and_,
    bindparam,
    exists,
    false,
    not_,
    or_,
    select,
    true,
)

from spyglass.server.model.convert import now_us
from spyglass.server.query import ast, fields
from spyglass.server.query.ast import Op
from spyglass.server.query.errors import FilterError
from spyglass.server.query.fields import Kind, Target
from spyglass.server.query.sql_json import SQL_OPS, metadata_compare, tags_contain, tags_empty
from spyglass.server.store import search
from spyglass.server.store import tables as t

DIALECTS = ("sqlite", "postgresql")
TABLES: dict[str, Table] = {"trace": t.trace, "span": t.span}
_TYPES: dict[type, Any] = {int: BigInteger(), float: Float(), str: Text()}


def to_sql(node: ast.Node, target: Target, dialect_name: str, *, now: int | None = None) -> ColumnElement[bool]:
    """The filter as a WHERE condition on `tables.trace` or `tables.span`.

    `now` (µs) resolves relative times such as `now-1h`; it defaults to the current time.
    """
    if target not in TABLES:
        raise ValueError(f"filter target must be 'trace' or 'span', not {target!r}")
    if dialect_name not in DIALECTS:
        raise ValueError(f"filters compile for sqlite or postgresql, not {dialect_name!r}")
    return _Builder(target, dialect_name, now_us() if now is None else now).build(node)


class _Builder:
    def __init__(self, target: Target, dialect: str, now: int) -> None:
        self.target = target
        self.dialect = dialect
        self.now = now
        self.table = TABLES[target]

    def build(self, node: ast.Node) -> ColumnElement[bool]:
        if isinstance(node, ast.And):
            return and_(*(self.build(item) for item in node.items))
        if isinstance(node, ast.Or):
            return or_(*(self.build(item) for item in node.items))
        if isinstance(node, ast.Not):
            return not_(self.build(node.operand))
        return self.compare(node)

    def compare(self, node: ast.Compare) -> ColumnElement[bool]:
        spec = fields.check_target(node.field, self.target)
        build = _KINDS[spec.kind]
        return build(self, spec, node)

    # -- helpers -------------------------------------------------------------------------------

    def column(self, spec: fields.FieldSpec) -> ColumnElement[Any]:
        assert spec.column is not None
        return self.table.c[spec.column]

    def literal(self, value: ast.Scalar) -> Any:
        if isinstance(value, ast.RelTime):
            return self.now + value.offset_us
        if isinstance(value, ast.Time | ast.Duration):
            return value.us
        if isinstance(value, ast.Str | ast.Num | ast.Bool):
            return value.value
        raise FilterError("null is not a value to compare with", value.pos)

    def bind(self, value: ast.Scalar) -> Any:
        """A parameter typed by the literal, not the column: `tokens = 0.5` must not become `= 0`."""
        raw = self.literal(value)
        return bindparam(None, raw, type_=_TYPES.get(type(raw), Text()), unique=True)

    def is_error(self) -> ColumnElement[bool]:
        if self.target == "trace":
            return or_(self.table.c.error.is_not(None), self.table.c.error_span_count > 0)
        return self.table.c.error.is_not(None)

    # -- per kind ------------------------------------------------------------------------------

    def scalar(self, spec: fields.FieldSpec, node: ast.Compare) -> ColumnElement[bool]:
        """Text, number, duration and time columns."""
        col = self.column(spec)
        if node.op is Op.IS_NULL:
            return col.is_(None)
        assert node.value is not None
        if node.op is Op.IN:
            assert isinstance(node.value, ast.ListOf)
            values = [self.bind(item) for item in node.value.items]
            return and_(col.is_not(None), col.in_(values)) if values else false()
        if node.op is Op.MATCH:
            assert isinstance(node.value, ast.Str)
            return and_(col.is_not(None), search.ascii_like(col, node.value.value, self.dialect))
        value = self.bind(node.value)  # type: ignore[arg-type]
        if spec.kind is Kind.TEXT and node.op is not Op.EQ and self.dialect == "postgresql":
            col = col.collate("C")  # byte order, as SQLite and Python compare strings
        return and_(col.is_not(None), SQL_OPS[node.op](col, value))

    def boolean(self, spec: fields.FieldSpec, node: ast.Compare) -> ColumnElement[bool]:
        assert isinstance(node.value, ast.Bool)
        return self.is_error() if node.value.value else not_(self.is_error())

    def status(self, spec: fields.FieldSpec, node: ast.Compare) -> ColumnElement[bool]:
        assert node.value is not None
        items = node.value.items if isinstance(node.value, ast.ListOf) else (node.value,)
        wanted = {self.literal(item) for item in items}
        if wanted == {"ok", "error"}:
            return true()
        if not wanted:
            return false()
        return self.is_error() if wanted == {"error"} else not_(self.is_error())

    def tags(self, spec: fields.FieldSpec, node: ast.Compare) -> ColumnElement[bool]:
        col = self.column(spec)
        if node.op is Op.IS_NULL:
            return tags_empty(col, self.dialect)
        assert isinstance(node.value, ast.Str)
        return tags_contain(col, node.value.value, self.dialect)

    def metadata(self, spec: fields.FieldSpec, node: ast.Compare) -> ColumnElement[bool]:
        return metadata_compare(self.column(spec), node.field.path, node.op, node.value, self.dialect)

    def fulltext(self, spec: fields.FieldSpec, node: ast.Compare) -> ColumnElement[bool]:
        col = self.column(spec)
        if node.op is Op.IS_NULL:
            return col.is_(None)
        assert isinstance(node.value, ast.Str)
        return search.match(self.target, spec.name, node.value.value, self.dialect)

    def feedback(self, spec: fields.FieldSpec, node: ast.Compare) -> ColumnElement[bool]:
        fs = t.feedback_score.c
        scored = [fs.target_type == self.target, fs.target_id == self.table.c.id,
                  fs.name == node.field.path[0], fs.value.is_not(None)]
        if node.op is Op.IS_NULL:
            return not_(exists(select(fs.pk).where(*scored)))
        assert node.value is not None
        if isinstance(node.value, ast.ListOf):
            values = [self.bind(item) for item in node.value.items]
            if not values:
                return false()
            return exists(select(fs.pk).where(*scored, fs.value.in_(values)))
        return exists(select(fs.pk).where(*scored, SQL_OPS[node.op](fs.value, self.bind(node.value))))


_KINDS: dict[Kind, Callable[[_Builder, fields.FieldSpec, ast.Compare], ColumnElement[bool]]] = {
    Kind.TEXT: _Builder.scalar,
    Kind.NUMBER: _Builder.scalar,
    Kind.DURATION: _Builder.scalar,
    Kind.TIME: _Builder.scalar,
    Kind.BOOL: _Builder.boolean,
    Kind.STATUS: _Builder.status,
    Kind.TAGS: _Builder.tags,
    Kind.JSON: _Builder.metadata,
    Kind.FULLTEXT: _Builder.fulltext,
    Kind.FEEDBACK: _Builder.feedback,
}
