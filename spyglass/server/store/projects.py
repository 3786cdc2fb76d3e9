"""Workspaces and projects: name -> id, created on first write."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.engine import Connection

from spyglass.server.model.convert import now_us
from spyglass.server.model.ids import uuid7
from spyglass.server.store import tables as t
from spyglass.server.store.prepared import Prepared

DEFAULT_WORKSPACE_ID = "default"


def ensure_default_workspace(conn: Connection, insert_ignore: Prepared) -> None:
    insert_ignore.run(conn, [{"id": DEFAULT_WORKSPACE_ID, "name": "default", "created_at": now_us()}])


class ProjectCache:
    """Project ids by name for one workspace. Ids never change, so entries never go stale."""

    def __init__(self, insert_ignore: Prepared, workspace_id: str = DEFAULT_WORKSPACE_ID) -> None:
        self.workspace_id = workspace_id
        self._insert = insert_ignore
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def cached(self, name: str) -> str | None:
        return self._ids.get(name)

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self._ids)

    def lookup(self, conn: Connection, name: str) -> str | None:
        """The id of an existing project, or None."""
        found = self._ids.get(name)
        if found is not None:
            return found
        p = t.project.c
        found = conn.execute(select(p.id).where(p.workspace_id == self.workspace_id, p.name == name)).scalar()
        if found is not None:
            with self._lock:
                self._ids[name] = found
        return found

    def id_for_write(self, conn: Connection, name: str) -> str:
        """The id of a project, creating it inside the caller's transaction if needed."""
        found = self.lookup(conn, name)
        if found is not None:
            return found
        self._insert.run(conn, [{"id": uuid7(), "workspace_id": self.workspace_id, "name": name,
                                 "description": None, "created_at": now_us()}])
        p = t.project.c
        # Not cached until the transaction commits: a rollback would leave a dangling id.
        return str(conn.execute(select(p.id).where(p.workspace_id == self.workspace_id, p.name == name)).scalar())

    def clear(self) -> None:
        """After a rollback: ids cached during it may not exist."""
        with self._lock:
            self._ids.clear()
