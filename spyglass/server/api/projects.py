"""Projects and their stats (from the rollups)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select

from spyglass.server.api.deps import StoreDep
from spyglass.server.errors import BadRequest, Conflict
from spyglass.server.model.convert import to_us
from spyglass.server.routes import Routes
from spyglass.server.store import stats
from spyglass.server.store import tables as t

router = Routes(prefix="/api/v1/projects", tags=["projects"])

INTERVALS = {"1m": 1, "5m": 5, "15m": 15, "1h": 60, "6h": 360, "1d": 1440, "1w": 10080}


class ProjectIn(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    description: str | None = None


@router.get("", summary="List projects with trace count, errors, tokens, cost and last activity")
def list_projects(store: StoreDep) -> dict[str, Any]:
    with store.read() as conn:
        return {"items": stats.list_projects(conn, store.projects.workspace_id)}


@router.post("", status_code=201, summary="Create a project")
def create_project(store: StoreDep, body: ProjectIn) -> dict[str, Any]:
    with store.engine.begin() as conn:
        if store.projects.lookup(conn, body.name) is not None:
            raise Conflict(f"project {body.name!r} already exists")
        project_id = store.projects.id_for_write(conn, body.name)
        if body.description:
            conn.execute(t.project.update().where(t.project.c.id == project_id).values(description=body.description))
        row = conn.execute(select(t.project).where(t.project.c.id == project_id)).one()
    return {"id": row.id, "name": row.name, "description": row.description}


def _time(value: datetime | None, default: datetime) -> int:
    value = value or default
    return int(to_us(value) or 0)


@router.get("/{name}/stats", summary="Counts, errors, tokens, cost, latency percentiles and scores over time")
def project_stats(store: StoreDep, name: str,
    start: Annotated[datetime | None, Query(alias="from", description="ISO-8601; default: 24 hours ago")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="ISO-8601; default: now")] = None,
    interval: Annotated[str, Query(description="1m, 5m, 15m, 1h, 6h, 1d or 1w")] = "1h",) -> dict[str, Any]:
    if interval not in INTERVALS:
        raise BadRequest(f"interval: must be one of {', '.join(INTERVALS)}")
    now = datetime.now(UTC)
    end_us = _time(end, now)
    start_us = _time(start, now - timedelta(days=1))
    if start_us >= end_us:
        raise BadRequest("from: must be before to")
    with store.read() as conn:
        project_id = store.project_id(conn, name)
        result = stats.project_stats(conn, project_id, start_us, end_us, INTERVALS[interval])
    return {"project": name, "interval": interval, **result}
