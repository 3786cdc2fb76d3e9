"""Experiments: runs of a task over a dataset version, one item per dataset item run (linked to its trace).

Every function takes a Connection; writes expect to run inside `store.engine.begin()`.
Aggregates are in experiment_stats.py, item joins in experiment_runs.py, comparison in experiment_compare.py.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Row

from spyglass.server.errors import BadRequest, Conflict, NotFound
from spyglass.server.model.convert import from_us, load_json, now_us
from spyglass.server.model.ids import uuid7
from spyglass.server.store import tables as t
from spyglass.server.store.datasets import require_dataset
from spyglass.server.store.experiment_runs import item_rows_view
from spyglass.server.store.experiment_stats import aggregates, empty_aggregates
from spyglass.server.store.named import chunks, json_param, like_pattern, newest_first
from spyglass.server.store.pagination import decode_cursor, encode_cursor
from spyglass.server.store.projects import DEFAULT_WORKSPACE_ID
from spyglass.server.store.queries import Page, check_limit

STATUSES = ("running", "completed", "cancelled")


def create_experiment(conn: Connection, dataset: str, *, name: str | None = None, experiment_id: str | None = None,
                      dataset_version: int | None = None, project_id: str | None = None,
                      metadata: dict[str, Any] | None = None, tags: list[str] | None = None,
                      prompt_versions: list[dict[str, Any]] | None = None, type: str = "regular",
                      workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Start an experiment on a dataset (by name or id) at a version (default: current); returns its view."""
    ds = require_dataset(conn, dataset, workspace_id)
    version = ds.version if dataset_version is None else dataset_version
    if not 0 <= version <= ds.version:
        raise BadRequest(f"dataset_version: dataset {ds.name!r} has versions 0..{ds.version}",
                         detail={"field": "dataset_version"})
    experiment_id = experiment_id or uuid7()
    if conn.execute(select(t.experiment.c.id).where(t.experiment.c.id == experiment_id)).first() is not None:
        raise Conflict(f"experiment {experiment_id!r} already exists")
    now = now_us()
    conn.execute(t.experiment.insert().values(
        id=experiment_id, workspace_id=workspace_id, dataset_id=ds.id, dataset_version=version,
        name=name or f"{ds.name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now / 1e6))}",
        project_id=project_id, metadata=json_param(conn, metadata or {}), tags=json_param(conn, tags or []),
        type=type, status="running", prompt_versions=json_param(conn, prompt_versions or []),
        scores=json_param(conn, []), created_at=now, updated_at=now, finished_at=None))
    return get_experiment(conn, experiment_id, workspace_id)


def find_experiment(conn: Connection, experiment_id: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> Row[Any] | None:
    """The experiment row, or None."""
    e = t.experiment.c
    return conn.execute(select(t.experiment).where(e.id == experiment_id, e.workspace_id == workspace_id)).first()


def require_experiment(conn: Connection, experiment_id: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> Row[Any]:
    """The experiment row; NotFound when there is none."""
    row = find_experiment(conn, experiment_id, workspace_id)
    if row is None:
        raise NotFound(f"experiment {experiment_id!r} not found")
    return row


def get_experiment(conn: Connection, experiment_id: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """The Experiment view with its aggregates."""
    row = conn.execute(_view_query().where(t.experiment.c.id == experiment_id,
                                           t.experiment.c.workspace_id == workspace_id)).first()
    if row is None:
        raise NotFound(f"experiment {experiment_id!r} not found")
    return experiment_view(row, aggregates(conn, [row.id])[row.id])


def get_experiments(conn: Connection, experiment_ids: list[str],
                    workspace_id: str = DEFAULT_WORKSPACE_ID) -> list[dict[str, Any]]:
    """Experiment views in the order of the ids; NotFound names the unknown ids."""
    rows: dict[str, Any] = {}
    for chunk in chunks(list(dict.fromkeys(experiment_ids))):
        for row in conn.execute(_view_query().where(t.experiment.c.id.in_(chunk),
                                                    t.experiment.c.workspace_id == workspace_id)):
            rows[row.id] = row
    missing = [i for i in experiment_ids if i not in rows]
    if missing:
        raise NotFound(f"experiment {', '.join(repr(m) for m in missing)} not found")
    stats = aggregates(conn, list(rows))
    return [experiment_view(rows[i], stats[i]) for i in dict.fromkeys(experiment_ids)]


def list_experiments(conn: Connection, *, dataset: str | None = None, name_contains: str | None = None,
                     limit: int = 50, cursor: str | None = None, workspace_id: str = DEFAULT_WORKSPACE_ID) -> Page:
    """Experiments newest first with aggregates, optionally of one dataset (name or id) or by name text."""
    e = t.experiment.c
    query = _view_query().where(e.workspace_id == workspace_id)
    if dataset:
        query = query.where(e.dataset_id == require_dataset(conn, dataset, workspace_id).id)
    if name_contains:
        query = query.where(func.lower(e.name).like(like_pattern(name_contains), escape="\\"))
    rows, next_cursor = newest_first(conn, query, t.experiment, limit, cursor)
    stats = aggregates(conn, [r.id for r in rows])
    return Page([experiment_view(r, stats[r.id]) for r in rows], next_cursor)


def update_experiment(conn: Connection, experiment_id: str, *, name: str | None = None,
                      metadata: dict[str, Any] | None = None, tags: list[str] | None = None,
                      status: str | None = None, scores: list[dict[str, Any]] | None = None,
                      workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Change an experiment's name, metadata, tags, status or experiment-level scores (None: kept)."""
    row = require_experiment(conn, experiment_id, workspace_id)
    now = now_us()
    values: dict[str, Any] = {"updated_at": now}
    if name is not None:
        values["name"] = name
    for key, value in (("metadata", metadata), ("tags", tags), ("scores", scores)):
        if value is not None:
            values[key] = json_param(conn, value)
    if status is not None:
        if status not in STATUSES:
            raise BadRequest(f"status: must be one of {', '.join(STATUSES)}", detail={"field": "status"})
        values["status"] = status
        if status != "running" and row.finished_at is None:
            values["finished_at"] = now
    conn.execute(update(t.experiment).where(t.experiment.c.id == row.id).values(**values))
    return get_experiment(conn, row.id, workspace_id)


def finish_experiment(conn: Connection, experiment_id: str,
                      workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Mark an experiment completed (finished_at is set once)."""
    return update_experiment(conn, experiment_id, status="completed", workspace_id=workspace_id)


def delete_experiments(conn: Connection, experiment_ids: list[str], workspace_id: str = DEFAULT_WORKSPACE_ID) -> int:
    """Delete experiments and their items; returns how many experiments existed."""
    deleted = 0
    e = t.experiment.c
    for chunk in chunks(list(dict.fromkeys(experiment_ids))):
        owned = select(e.id).where(e.id.in_(chunk), e.workspace_id == workspace_id)
        conn.execute(delete(t.experiment_item).where(t.experiment_item.c.experiment_id.in_(owned)))
        deleted += conn.execute(delete(t.experiment).where(e.id.in_(chunk), e.workspace_id == workspace_id)).rowcount
    return deleted


def add_experiment_items(conn: Connection, experiment_id: str, items: list[dict[str, Any]],
                         workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, int]:
    """Record runs: items {id?, dataset_item_id, trace_id?, output?}. An id already stored is skipped
    (retries are safe); a dataset item that is not in the experiment's dataset is a BadRequest."""
    row = require_experiment(conn, experiment_id, workspace_id)
    _check_dataset_items(conn, row.dataset_id, items)
    given = [item["id"] for item in items if item.get("id")]
    known: set[str] = set()
    for chunk in chunks(list(dict.fromkeys(given))):
        ei = t.experiment_item.c
        known.update(conn.execute(select(ei.id).where(ei.id.in_(chunk))).scalars())
    now, rows = now_us(), []
    for item in items:
        item_id = item.get("id") or uuid7()
        if item_id in known:
            continue
        known.add(item_id)
        rows.append({"id": item_id, "experiment_id": row.id, "dataset_item_id": item["dataset_item_id"],
                     "trace_id": item.get("trace_id"), "output": json_param(conn, item.get("output")),
                     "created_at": now})
    if rows:
        conn.execute(t.experiment_item.insert(), rows)
        conn.execute(update(t.experiment).where(t.experiment.c.id == row.id).values(updated_at=now))
    return {"inserted": len(rows)}


def list_experiment_items(conn: Connection, experiment_id: str, *, limit: int = 100, cursor: str | None = None,
                          workspace_id: str = DEFAULT_WORKSPACE_ID) -> Page:
    """One page of an experiment's items in run order, each with its dataset item, trace facts and scores."""
    row = require_experiment(conn, experiment_id, workspace_id)
    ei = t.experiment_item.c
    query = select(t.experiment_item).where(ei.experiment_id == row.id)
    if cursor:
        query = query.where(ei.pk > decode_cursor(cursor)[1])
    rows = conn.execute(query.order_by(ei.pk).limit(check_limit(limit) + 1)).all()
    next_cursor = encode_cursor(rows[limit - 1].pk, rows[limit - 1].pk) if len(rows) > limit else None
    return Page(item_rows_view(conn, row, rows[:limit]), next_cursor)


def _check_dataset_items(conn: Connection, dataset_id: str, items: list[dict[str, Any]]) -> None:
    di = t.dataset_item.c
    wanted = list(dict.fromkeys(item["dataset_item_id"] for item in items))
    present: set[str] = set()
    for chunk in chunks(wanted):
        present.update(conn.execute(select(di.id).distinct().where(di.dataset_id == dataset_id, di.id.in_(chunk)))
                       .scalars())
    for n, item in enumerate(items):
        if item["dataset_item_id"] not in present:
            field = f"items.{n}.dataset_item_id"
            raise BadRequest(f"{field}: {item['dataset_item_id']!r} is not an item of the experiment's dataset",
                             detail={"field": field})


def _view_query() -> Any:
    e = t.experiment
    return (select(e, t.dataset.c.name.label("dataset_name"), t.project.c.name.label("project_name"))
            .outerjoin(t.dataset, t.dataset.c.id == e.c.dataset_id)
            .outerjoin(t.project, t.project.c.id == e.c.project_id))


def experiment_view(row: Any, stats: dict[str, Any] | None = None) -> dict[str, Any]:
    """A row of the view query plus its aggregates as the API's Experiment."""
    return {
        "id": row.id, "name": row.name, "dataset_id": row.dataset_id, "dataset_name": row.dataset_name,
        "dataset_version": row.dataset_version, "project": row.project_name,
        "metadata": load_json(row.metadata) or {}, "tags": load_json(row.tags) or [], "type": row.type,
        "status": row.status, "prompt_versions": load_json(row.prompt_versions) or [],
        "experiment_scores": load_json(row.scores) or [],
        "created_at": from_us(row.created_at), "updated_at": from_us(row.updated_at),
        "finished_at": from_us(row.finished_at), **(stats or empty_aggregates()),
    }
