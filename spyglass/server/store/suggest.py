"""What the filter box can suggest for a project: metadata keys and feedback score names in use."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Connection

from spyglass.server.store import tables as t

SAMPLE_ROWS = 500  # the newest rows whose metadata keys are offered
MAX_KEYS = 100


def metadata_keys(conn: Connection, project_id: str, kind: str) -> list[str]:
    """Top-level metadata keys of the newest traces (or spans) of a project, most common first."""
    table = t.trace if kind == "trace" else t.span
    c = table.c
    # The newest rows by the (project_id, start_time) index, nulls included: a bounded read
    # even when few rows carry metadata.
    rows = conn.execute(select(c.metadata).where(c.project_id == project_id)
                        .order_by(c.start_time.desc()).limit(SAMPLE_ROWS))
    counts: dict[str, int] = {}
    for (value,) in rows:
        if value is None:
            continue
        doc: Any = orjson.loads(value) if isinstance(value, (str, bytes)) else value
        if isinstance(doc, dict):
            for key in doc:
                counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda k: (-counts[k], k))[:MAX_KEYS]


def feedback_names(conn: Connection, project_id: str) -> list[str]:
    fs = t.feedback_score.c
    rows = conn.execute(select(fs.name).where(fs.project_id == project_id).distinct().order_by(fs.name)
                        .limit(MAX_KEYS))
    return [r[0] for r in rows]
