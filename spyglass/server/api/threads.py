"""Threads: multi-turn conversations, derived from the traces that share a thread_id."""

from __future__ import annotations

from typing import Any

from spyglass.server.api._records import CursorParam, LimitParam, ProjectParam
from spyglass.server.api.deps import StoreDep
from spyglass.server.routes import Routes
from spyglass.server.store import queries

router = Routes(prefix="/api/v1/threads", tags=["threads"])


@router.get("", summary="List threads of a project, most recently active first")
def list_threads(store: StoreDep, project: ProjectParam, limit: LimitParam = 50, cursor: CursorParam = None) -> dict[str, Any]:
    with store.read() as conn:
        project_id = store.project_id(conn, project)
        return queries.list_threads(conn, project_id, project, limit=limit, cursor=cursor).as_dict()


@router.get("/{thread_id}", summary="A thread with its traces in order")
def get_thread(store: StoreDep, thread_id: str, project: ProjectParam) -> dict[str, Any]:
    with store.read() as conn:
        project_id = store.project_id(conn, project)
        return queries.get_thread(conn, project_id, project, thread_id)
