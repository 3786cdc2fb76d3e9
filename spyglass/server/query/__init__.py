"""The filter language: text -> AST -> SQL (SQLite / PostgreSQL) and -> Python predicate.

See docs/filter-language.md for the grammar, fields and semantics.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from spyglass.server.query.errors import FilterError
from spyglass.server.query.fields import Target
from spyglass.server.query.parser import parse
from spyglass.server.query.predicate import Predicate, to_predicate
from spyglass.server.query.sql import to_sql

__all__ = ["FilterError", "Predicate", "Target", "compile_filter", "parse", "to_predicate", "to_sql"]


def compile_filter(text: str, target: Target, dialect_name: str, *, now: int | None = None) -> ColumnElement[bool]:
    """Parse a filter and build its WHERE condition on `tables.trace` / `tables.span`."""
    return to_sql(parse(text), target, dialect_name, now=now)
