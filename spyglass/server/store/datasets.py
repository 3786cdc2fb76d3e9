"""Datasets: create, find, list, rename, delete. Items and versions are in dataset_items.py.

Every function takes a Connection; writes expect to run inside `store.engine.begin()`.
A dataset is named by its id or its name (the id wins when both match).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from spyglass.server.errors import Conflict, NotFound
from spyglass.server.model.convert import from_us, load_json, now_us
from spyglass.server.model.ids import uuid7
from spyglass.server.store import tables as t
from spyglass.server.store.named import find_named, json_param, like_pattern, name_or_id, newest_first, pick
from spyglass.server.store.projects import DEFAULT_WORKSPACE_ID
from spyglass.server.store.queries import Page

ITEM_SOURCES = ("api", "sdk", "ui", "trace", "span", "import", "opik")


def find_dataset(conn: Connection, dataset: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> Row[Any] | None:
    """The dataset row by id or name, or None."""
    return find_named(conn, t.dataset, dataset, workspace_id)


def require_dataset(conn: Connection, dataset: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> Row[Any]:
    """The dataset row by id or name; NotFound when there is none."""
    row = find_dataset(conn, dataset, workspace_id)
    if row is None:
        raise NotFound(f"dataset {dataset!r} not found")
    return row


def lock_dataset(conn: Connection, dataset: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> Row[Any]:
    """Take the dataset's write lock, then read it: the first statement of every change, so that
    concurrent changes to one dataset run one after the other and never share a version number."""
    conn.execute(update(t.dataset).where(name_or_id(t.dataset, dataset, workspace_id))
                 .values(updated_at=t.dataset.c.updated_at))
    return require_dataset(conn, dataset, workspace_id)


def create_dataset(conn: Connection, name: str, *, description: str | None = None, project_id: str | None = None,
                   tags: list[str] | None = None, dataset_id: str | None = None,
                   workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Create an empty dataset (version 0); Conflict if the name or id is taken."""
    d = t.dataset.c
    taken = conn.execute(select(d.id).where(d.workspace_id == workspace_id, d.name == name)).first()
    if taken is not None:
        raise Conflict(f"dataset {name!r} already exists")
    if dataset_id is not None and conn.execute(select(d.id).where(d.id == dataset_id)).first() is not None:
        raise Conflict(f"dataset id {dataset_id!r} already exists")
    now = now_us()
    try:
        conn.execute(t.dataset.insert().values(
            id=dataset_id or uuid7(), workspace_id=workspace_id, name=name, description=description,
            project_id=project_id, tags=json_param(conn, tags or []), version=0, created_at=now, updated_at=now))
    except IntegrityError:
        raise Conflict(f"dataset {name!r} already exists") from None
    return get_dataset(conn, name, workspace_id)


def get_dataset(conn: Connection, dataset: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """The Dataset view (with item and experiment counts) by id or name."""
    rows = conn.execute(_view_query().where(name_or_id(t.dataset, dataset, workspace_id))).all()
    row = pick(rows, dataset)
    if row is None:
        raise NotFound(f"dataset {dataset!r} not found")
    return dataset_view(row)


def list_datasets(conn: Connection, *, name_contains: str | None = None, limit: int = 50, cursor: str | None = None,
                  workspace_id: str = DEFAULT_WORKSPACE_ID) -> Page:
    """Datasets newest first, optionally those whose name contains a text (case-insensitive)."""
    query = _view_query().where(t.dataset.c.workspace_id == workspace_id)
    if name_contains:
        query = query.where(func.lower(t.dataset.c.name).like(like_pattern(name_contains), escape="\\"))
    rows, next_cursor = newest_first(conn, query, t.dataset, limit, cursor)
    return Page([dataset_view(r) for r in rows], next_cursor)


def update_dataset(conn: Connection, dataset: str, *, name: str | None = None, description: str | None = None,
                   tags: list[str] | None = None, workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Rename a dataset or change its description or tags (fields left None are kept)."""
    row = lock_dataset(conn, dataset, workspace_id)
    values: dict[str, Any] = {"updated_at": now_us()}
    if name is not None and name != row.name:
        d = t.dataset.c
        if conn.execute(select(d.id).where(d.workspace_id == workspace_id, d.name == name)).first() is not None:
            raise Conflict(f"dataset {name!r} already exists")
        values["name"] = name
    if description is not None:
        values["description"] = description
    if tags is not None:
        values["tags"] = json_param(conn, tags)
    conn.execute(update(t.dataset).where(t.dataset.c.id == row.id).values(**values))
    return get_dataset(conn, row.id, workspace_id)


def delete_dataset(conn: Connection, dataset: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> None:
    """Delete a dataset with its items, versions, and the experiments run on it (with their items)."""
    row = lock_dataset(conn, dataset, workspace_id)
    experiments = select(t.experiment.c.id).where(t.experiment.c.dataset_id == row.id)
    conn.execute(delete(t.experiment_item).where(t.experiment_item.c.experiment_id.in_(experiments)))
    conn.execute(delete(t.experiment).where(t.experiment.c.dataset_id == row.id))
    conn.execute(delete(t.dataset_item).where(t.dataset_item.c.dataset_id == row.id))
    conn.execute(delete(t.dataset_version).where(t.dataset_version.c.dataset_id == row.id))
    conn.execute(delete(t.dataset).where(t.dataset.c.id == row.id))


def _view_query() -> Any:
    d, v = t.dataset, t.dataset_version
    experiment_count = (select(func.count()).select_from(t.experiment)
                        .where(t.experiment.c.dataset_id == d.c.id).scalar_subquery())
    return (select(d, t.project.c.name.label("project_name"),
                   func.coalesce(v.c.item_count, 0).label("item_count"),
                   experiment_count.label("experiment_count"))
            .outerjoin(v, (v.c.dataset_id == d.c.id) & (v.c.version == d.c.version))
            .outerjoin(t.project, t.project.c.id == d.c.project_id))


def dataset_view(row: Any) -> dict[str, Any]:
    """A row of the view query as the API's Dataset."""
    return {
        "id": row.id, "name": row.name, "description": row.description, "project": row.project_name,
        "tags": load_json(row.tags) or [], "version": row.version, "item_count": row.item_count,
        "experiment_count": row.experiment_count,
        "created_at": from_us(row.created_at), "updated_at": from_us(row.updated_at),
    }
