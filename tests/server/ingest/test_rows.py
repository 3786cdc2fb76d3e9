"""A span's state is rebuilt from its prepared row when a merge needs it: it must be the state
`span_row` made from the record."""

from __future__ import annotations

import pytest

from spyglass.server.ingest.rows import span_row, state_of
from spyglass.server.store.engine import Dialect
from spyglass.server.store.statements import build

RECORDS = [
    {"id": "s1", "trace_id": "t1"},  # no start time: starts "now"; no type: general
    {"id": "s2", "trace_id": "t1", "type": "llm", "model": "gpt-4o-mini", "provider": "openai",
     "start_time": 1_000, "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "cached_tokens": 400,
                                    "cache_write_tokens": 7}},
    {"id": "s3", "trace_id": "t2", "type": "llm", "model": "my-model", "cost": 0.25,
     "usage": {"prompt_tokens": 5}, "error": {"type": "ValueError", "message": "boom"}},
    {"id": "s4", "trace_id": "t2", "type": "tool", "cost": 0.0},
]


@pytest.mark.parametrize("rec", RECORDS, ids=[r["id"] for r in RECORDS])
def test_state_rebuilt_from_the_prepared_row_is_the_state_span_row_made(rec):
    row, state = span_row(rec, "project-1", now=123_456)
    for dialect in Dialect:  # positional parameters (SQLite) and named ones (PostgreSQL)
        statement = build(dialect).span
        rebuilt = state_of(statement.as_row(statement.params(row)), is_error=row["error"] is not None,
                           cost_given=rec.get("cost") is not None)
        assert rebuilt == state, dialect
