"""text search: FTS5 trigram tables on SQLite, pg_trgm GIN indexes on PostgreSQL

Revision ID: 0002
Revises: 0001

The statements are written out (not taken from store/search.py at run time), so that
later changes to that module cannot change what this migration did.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE = [
    'CREATE TABLE IF NOT EXISTS search_state (\n\ttable_name TEXT NOT NULL, \n\twatermark BIGINT NOT NULL, \n\tPRIMARY KEY (table_name)\n)',
    'CREATE TABLE IF NOT EXISTS search_stale (\n\ttable_name TEXT NOT NULL, \n\tpk INTEGER NOT NULL, \n\tPRIMARY KEY (table_name, pk)\n)\n WITHOUT ROWID',
    "INSERT OR IGNORE INTO search_state (table_name, watermark) VALUES ('trace', 0)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_trace_input USING fts5(text, content='', detail=none, columnsize=0, tokenize='trigram case_sensitive 1')",
    'CREATE VIRTUAL TABLE IF NOT EXISTS search_trace_input_vocab USING fts5vocab(search_trace_input, row)',
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_trace_output USING fts5(text, content='', detail=none, columnsize=0, tokenize='trigram case_sensitive 1')",
    'CREATE VIRTUAL TABLE IF NOT EXISTS search_trace_output_vocab USING fts5vocab(search_trace_output, row)',
    "INSERT OR IGNORE INTO search_state (table_name, watermark) VALUES ('span', 0)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_span_input USING fts5(text, content='', detail=none, columnsize=0, tokenize='trigram case_sensitive 1')",
    'CREATE VIRTUAL TABLE IF NOT EXISTS search_span_input_vocab USING fts5vocab(search_span_input, row)',
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_span_output USING fts5(text, content='', detail=none, columnsize=0, tokenize='trigram case_sensitive 1')",
    'CREATE VIRTUAL TABLE IF NOT EXISTS search_span_output_vocab USING fts5vocab(search_span_output, row)',
]

POSTGRESQL = [
    'CREATE EXTENSION IF NOT EXISTS pg_trgm',
    'CREATE INDEX IF NOT EXISTS ix_trace_input_trgm ON trace USING gin (input gin_trgm_ops)',
    'CREATE INDEX IF NOT EXISTS ix_trace_output_trgm ON trace USING gin (output gin_trgm_ops)',
    'CREATE INDEX IF NOT EXISTS ix_span_input_trgm ON span USING gin (input gin_trgm_ops)',
    'CREATE INDEX IF NOT EXISTS ix_span_output_trgm ON span USING gin (output gin_trgm_ops)',
]


def upgrade() -> None:
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRESQL}[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("text search structures are not removed")
