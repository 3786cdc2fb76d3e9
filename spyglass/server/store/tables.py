"""SQLAlchemy Core tables: the one description of the schema, for SQLite and PostgreSQL.

Conventions:
- times are int64 microseconds since the epoch, UTC;
- ids are text (UUIDs and OpenTelemetry hex ids round-trip unchanged);
- the big tables (trace, span) keep an append-ordered integer key (`pk`) as their physical
  order and the random text id in a compact unique index, which halves insert cost on SQLite;
- JSON documents are TEXT on SQLite (JSON1 reads them) and JSONB on PostgreSQL, except
  input/output, which stay text on both so that trigram text search can index them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Computed,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT identity on PostgreSQL, INTEGER PRIMARY KEY (the rowid itself) on SQLite.
RowKey = BigInteger().with_variant(Integer(), "sqlite")
Json = Text().with_variant(JSONB(), "postgresql")


def _row_key() -> Column[int]:
    return Column("pk", RowKey, primary_key=True, autoincrement=True)


workspace = Table(
    "workspace",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
)

project = Table(
    "project",
    metadata,
    Column("id", Text, primary_key=True),
    Column("workspace_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

trace = Table(
    "trace",
    metadata,
    _row_key(),
    Column("id", Text, nullable=False),
    Column("project_id", Text, nullable=False),
    Column("name", Text),
    Column("start_time", BigInteger),
    Column("end_time", BigInteger),
    Column("duration", BigInteger, Computed("end_time - start_time", persisted=True)),
    Column("input", Text),
    Column("output", Text),
    Column("metadata", Json),
    Column("tags", Json),
    Column("thread_id", Text),
    Column("user_id", Text),
    Column("error", Json),
    # Totals derived from the trace's spans, kept up to date by the writer.
    Column("span_count", Integer, nullable=False, server_default="0"),
    Column("error_span_count", Integer, nullable=False, server_default="0"),
    Column("prompt_tokens", BigInteger, nullable=False, server_default="0"),
    Column("completion_tokens", BigInteger, nullable=False, server_default="0"),
    Column("total_tokens", BigInteger, nullable=False, server_default="0"),
    Column("cost", Float),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("id"),
    Index(None, "project_id", "start_time", "pk"),
    Index(None, "project_id", "thread_id", "start_time"),
)

span = Table(
    "span",
    metadata,
    _row_key(),
    Column("id", Text, nullable=False),
    Column("trace_id", Text, nullable=False),
    Column("parent_span_id", Text),
    Column("project_id", Text, nullable=False),
    Column("name", Text),
    # Nullable only so that an update can say "not given"; new spans always get a type.
    Column("type", Text, server_default="general"),
    Column("start_time", BigInteger),
    Column("end_time", BigInteger),
    Column("duration", BigInteger, Computed("end_time - start_time", persisted=True)),
    Column("input", Text),
    Column("output", Text),
    Column("metadata", Json),
    Column("tags", Json),
    Column("model", Text),
    Column("provider", Text),
    Column("prompt_tokens", BigInteger),
    Column("completion_tokens", BigInteger),
    Column("total_tokens", BigInteger),
    Column("usage", Json),
    Column("cost", Float),
    Column("error", Json),
    Column("attributes", Json),
    Column("events", Json),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # Where the attributes left out of `attributes` are found in input/output (model/attributes.py).
    Column("attribute_refs", Json),
    UniqueConstraint("id"),
    Index(None, "trace_id"),
    Index(None, "project_id", "start_time", "pk"),
)

thread = Table(
    "thread",
    metadata,
    _row_key(),
    Column("project_id", Text, nullable=False),
    Column("thread_id", Text, nullable=False),
    Column("start_time", BigInteger),
    Column("end_time", BigInteger),
    Column("trace_count", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("project_id", "thread_id"),
    Index(None, "project_id", "end_time"),
)

feedback_score = Table(
    "feedback_score",
    metadata,
    _row_key(),
    Column("project_id", Text, nullable=False),
    Column("target_type", Text, nullable=False),  # trace | span | thread
    Column("target_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("value", Float),
    Column("label", Text),
    Column("reason", Text),
    Column("source", Text, nullable=False),  # sdk | api | ui | online_eval
    Column("author", Text, nullable=False, server_default=""),
    Column("evaluator_trace_id", Text),
    Column("time", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("target_id", "target_type", "name", "author"),
    Index(None, "project_id", "name", "time"),
)

# Per project and minute; dashboards and stats read these, never raw spans.
rollup_minute = Table(
    "rollup_minute",
    metadata,
    Column("project_id", Text, nullable=False),
    Column("minute", BigInteger, nullable=False),  # minutes since the epoch
    Column("trace_count", BigInteger, nullable=False, server_default="0"),
    Column("trace_errors", BigInteger, nullable=False, server_default="0"),
    Column("span_count", BigInteger, nullable=False, server_default="0"),
    Column("span_errors", BigInteger, nullable=False, server_default="0"),
    Column("llm_calls", BigInteger, nullable=False, server_default="0"),
    Column("prompt_tokens", BigInteger, nullable=False, server_default="0"),
    Column("completion_tokens", BigInteger, nullable=False, server_default="0"),
    Column("total_tokens", BigInteger, nullable=False, server_default="0"),
    Column("cost", Float, nullable=False, server_default="0"),
    PrimaryKeyConstraint("project_id", "minute"),
)

# Trace latency histogram: log-spaced buckets (see ingest/rollups.py).
rollup_latency = Table(
    "rollup_latency",
    metadata,
    Column("project_id", Text, nullable=False),
    Column("minute", BigInteger, nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("count", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("project_id", "minute", "bucket"),
)

rollup_score = Table(
    "rollup_score",
    metadata,
    Column("project_id", Text, nullable=False),
    Column("minute", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("count", BigInteger, nullable=False, server_default="0"),
    Column("total", Float, nullable=False, server_default="0"),
    PrimaryKeyConstraint("project_id", "minute", "name"),
)

# Datasets are versioned: every change bumps `dataset.version` and writes a `dataset_version`
# row. An item row lives from `added_version` until `removed_version` (NULL while current), so
# the items of any past version stay readable; an update retires the row and adds a new one
# with the same item id.
dataset = Table(
    "dataset",
    metadata,
    Column("id", Text, primary_key=True),
    Column("workspace_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("project_id", Text),
    Column("tags", Json),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

dataset_version = Table(
    "dataset_version",
    metadata,
    Column("dataset_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("change", Text, nullable=False),  # e.g. "insert 3 items"
    Column("item_count", Integer, nullable=False),
    PrimaryKeyConstraint("dataset_id", "version"),
)

dataset_item = Table(
    "dataset_item",
    metadata,
    _row_key(),
    Column("id", Text, nullable=False),  # stable across versions
    Column("dataset_id", Text, nullable=False),
    Column("data", Json, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("source", Text, nullable=False, server_default="api"),
    Column("trace_id", Text),
    Column("span_id", Text),
    Column("tags", Json),
    Column("added_version", Integer, nullable=False),
    Column("removed_version", Integer),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "dataset_id", "removed_version", "pk"),
    Index(None, "dataset_id", "id"),
    Index(None, "dataset_id", "content_hash"),
)

experiment = Table(
    "experiment",
    metadata,
    Column("id", Text, primary_key=True),
    Column("workspace_id", Text, nullable=False),
    Column("dataset_id", Text, nullable=False),
    Column("dataset_version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("project_id", Text),
    Column("metadata", Json),
    Column("tags", Json),
    Column("type", Text, nullable=False, server_default="regular"),
    Column("status", Text, nullable=False, server_default="running"),
    Column("prompt_versions", Json),
    Column("scores", Json),  # experiment-level scores: [{"name", "value"}]
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    Index(None, "dataset_id", "created_at"),
    Index(None, "workspace_id", "name"),
)

experiment_item = Table(
    "experiment_item",
    metadata,
    _row_key(),
    Column("id", Text, nullable=False),
    Column("experiment_id", Text, nullable=False),
    Column("dataset_item_id", Text, nullable=False),
    Column("trace_id", Text),
    Column("output", Json),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("id"),
    Index(None, "experiment_id", "dataset_item_id"),
    Index(None, "trace_id"),
)

prompt = Table(
    "prompt",
    metadata,
    Column("id", Text, primary_key=True),
    Column("workspace_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("tags", Json),
    Column("project_id", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

prompt_version = Table(
    "prompt_version",
    metadata,
    Column("id", Text, primary_key=True),
    Column("prompt_id", Text, nullable=False),
    Column("version", Integer, nullable=False),  # 1, 2, 3... per prompt
    Column("commit", Text, nullable=False),  # short hex id users quote
    Column("template", Text, nullable=False),  # chat templates: JSON text of the messages list
    Column("template_structure", Text, nullable=False, server_default="text"),  # text | chat
    Column("type", Text, nullable=False, server_default="mustache"),  # mustache | jinja2
    Column("metadata", Json),
    Column("change_description", Text),
    Column("tags", Json),
    Column("created_at", BigInteger, nullable=False),
    Column("created_by", Text),
    UniqueConstraint("prompt_id", "version"),
    UniqueConstraint("prompt_id", "commit"),
)

# Named pointers to versions ('production', 'staging', ...); 'latest' is implicit, never stored.
prompt_label = Table(
    "prompt_label",
    metadata,
    Column("prompt_id", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("version_id", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("prompt_id", "label"),
)
