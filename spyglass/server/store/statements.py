"""The writer's statements, compiled once per dialect from the tables.

The hot path runs them with the driver's cursor (store/prepared.py), so each is compiled to a
plain SQL string plus the order of its parameters; nothing is built per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, assert_never

from sqlalchemy import ColumnElement, Table, bindparam, case, func
from sqlalchemy.dialects import postgresql, sqlite

from spyglass.server.store import tables as t
from spyglass.server.store.engine import Dialect
from spyglass.server.store.prepared import Prepared


def _dialect(dialect: Dialect) -> Any:
    if dialect is Dialect.SQLITE:
        return sqlite.dialect()
    if dialect is Dialect.POSTGRESQL:
        return postgresql.psycopg.dialect()
    assert_never(dialect)


def _insert(dialect: Dialect, table: Table) -> Any:
    if dialect is Dialect.SQLITE:
        return sqlite.insert(table)
    if dialect is Dialect.POSTGRESQL:
        return postgresql.insert(table)
    assert_never(dialect)


def _compile(stmt: Any, dialect: Dialect) -> Prepared:
    compiled = stmt.compile(dialect=_dialect(dialect))
    positional = bool(compiled.positional)
    keys = tuple(compiled.positiontup) if positional else tuple(compiled.params)
    # A standalone PostgreSQL insert compiles with RETURNING of its key; executemany needs none.
    sql = str(compiled).split(" RETURNING ")[0]
    return Prepared(sql, keys, positional)


def upsert(
    dialect: Dialect,
    table: Table,
    columns: list[str],
    conflict: list[str],
    update: dict[str, Any],
) -> Prepared:
    """INSERT columns ... ON CONFLICT (conflict) DO UPDATE SET update(existing, excluded).

    Update rules read only `excluded`, never parameters, so one statement can carry many rows.
    """
    stmt = _insert(dialect, table).values({c: bindparam(c) for c in columns})
    excluded = stmt.excluded
    set_ = {name: make(table.c, excluded) for name, make in update.items()}
    if set_:
        stmt = stmt.on_conflict_do_update(index_elements=conflict, set_=set_)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=conflict)
    return _compile(stmt, dialect)


def _least(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The smaller of two values, ignoring NULL (SQLite's two-argument min() returns NULL)."""
    return case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


def _greatest(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b)


def _keep(name: str) -> Any:
    """A given value wins over a missing one."""
    return lambda cur, exc: func.coalesce(getattr(exc, name), getattr(cur, name))


def _follows(name: str, leader: str) -> Any:
    """Written together with `leader`: replaced (even by NULL) when `leader` is given, else kept."""
    return lambda cur, exc: case((getattr(exc, leader).is_not(None), getattr(exc, name)), else_=getattr(cur, name))


def _replace(name: str) -> Any:
    """The newest write wins (a score given again replaces the old one)."""
    return lambda cur, exc: getattr(exc, name)


def _add(name: str) -> Any:
    return lambda cur, exc: getattr(cur, name) + getattr(exc, name)


def _add_nullable(name: str) -> Any:
    """Add, but NULL + NULL stays NULL (cost unknown stays unknown)."""
    def make(cur: Any, exc: Any) -> Any:
        a, b = getattr(cur, name), getattr(exc, name)
        return func.coalesce(a + b, a, b)
    return make


TRACE_FIELDS = ["name", "start_time", "end_time", "input", "output", "metadata", "tags",
                "thread_id", "user_id", "error"]
# A row's project never changes after its first write, so project_id is inserted, never updated.
SPAN_FIELDS = ["trace_id", "parent_span_id", "name", "type", "start_time", "end_time", "input",
               "output", "metadata", "tags", "model", "provider", "prompt_tokens", "completion_tokens",
               "total_tokens", "usage", "cost", "error", "attributes", "events"]
TRACE_TOTALS = ["span_count", "error_span_count", "prompt_tokens", "completion_tokens", "total_tokens"]


@dataclass(frozen=True)
class Statements:
    span: Prepared
    trace: Prepared
    thread: Prepared
    score: Prepared
    rollup_minute: Prepared
    rollup_latency: Prepared
    rollup_score: Prepared
    workspace: Prepared
    project: Prepared


def build(dialect: Dialect) -> Statements:
    stamp = {"updated_at": lambda cur, exc: exc.updated_at}
    span = upsert(dialect, t.span, ["id", "project_id", *SPAN_FIELDS, "attribute_refs", "created_at", "updated_at"],
                  ["id"], {**{f: _keep(f) for f in SPAN_FIELDS},
                           "attribute_refs": _follows("attribute_refs", "attributes"), **stamp})
    # A trace's own fields merge; the totals of its spans in this group add up.
    trace = upsert(dialect, t.trace, ["id", "project_id", *TRACE_FIELDS, *TRACE_TOTALS, "cost", "created_at",
                                      "updated_at"], ["id"],
                   {**{f: _keep(f) for f in TRACE_FIELDS}, **{f: _add(f) for f in TRACE_TOTALS},
                    "cost": _add_nullable("cost"), **stamp})
    thread = upsert(
        dialect, t.thread, ["project_id", "thread_id", "start_time", "end_time", "trace_count", "created_at",
                            "updated_at"], ["project_id", "thread_id"],
        {"start_time": lambda cur, exc: _least(cur.start_time, exc.start_time),
         "end_time": lambda cur, exc: _greatest(cur.end_time, exc.end_time),
         "trace_count": _add("trace_count"), **stamp},
    )
    score_fields = ["project_id", "value", "label", "reason", "source", "evaluator_trace_id", "time"]
    score = upsert(dialect, t.feedback_score,
                   ["target_id", "target_type", "name", "author", *score_fields, "created_at", "updated_at"],
                   ["target_id", "target_type", "name", "author"],
                   {**{f: _replace(f) for f in score_fields}, **stamp})
    minute_cols = [c.name for c in t.rollup_minute.c if c.name not in ("project_id", "minute")]
    rollup_minute = upsert(dialect, t.rollup_minute, ["project_id", "minute", *minute_cols],
                           ["project_id", "minute"], {c: _add(c) for c in minute_cols})
    rollup_latency = upsert(dialect, t.rollup_latency, ["project_id", "minute", "bucket", "count"],
                            ["project_id", "minute", "bucket"], {"count": _add("count")})
    rollup_score = upsert(dialect, t.rollup_score, ["project_id", "minute", "name", "count", "total"],
                          ["project_id", "minute", "name"], {"count": _add("count"), "total": _add("total")})
    workspace = upsert(dialect, t.workspace, ["id", "name", "created_at"], ["id"], {})
    project = upsert(dialect, t.project, ["id", "workspace_id", "name", "description", "created_at"],
                     ["workspace_id", "name"], {})
    return Statements(span, trace, thread, score, rollup_minute, rollup_latency, rollup_score,
                      workspace, project)
