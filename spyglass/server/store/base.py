"""The storage handle the app holds: reader engine, writer, project names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from spyglass.server.errors import NotFound
from spyglass.server.ingest.apply import EnsureProject
from spyglass.server.ingest.offload import Offload
from spyglass.server.ingest.writer import Writer
from spyglass.server.settings import Settings
from spyglass.server.store import migrate
from spyglass.server.store.checkpoint import Checkpointer
from spyglass.server.store.engine import Dialect, dialect_of, make_engine, sqlite_path
from spyglass.server.store.projects import ProjectCache, ensure_default_workspace
from spyglass.server.store.statements import build


# What a helper process imports before its first request (the OTLP export preparation).
OTLP_HELPER_MODULES = ("spyglass.server.compat.otlp.service",)


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dialect: Dialect = dialect_of(settings.db_url)
        self.engine: Engine = make_engine(settings.db_url, pool_size=settings.reader_pool_size,
                                          synchronous=settings.sqlite_synchronous)
        self.statements = build(self.dialect)
        self.projects = ProjectCache(self.statements.project)
        self.writer = Writer(self.engine, self.statements, self.projects, max_items=settings.queue_max_items,
                             batch_max_items=settings.batch_max_items)
        self.checkpointer = None
        if self.dialect is Dialect.SQLITE:
            wal = Path(f"{sqlite_path(settings.db_url)}-wal")
            # Idle means no write for a second, not a moment between two requests: the idle
            # checkpoint (TRUNCATE) holds the writer back while it runs.
            self.checkpointer = Checkpointer(self.engine, wal, lambda: self.writer.idle_for() >= 1.0,
                                            self.writer.paused)
        self.offload = Offload(settings.ingest_processes, OTLP_HELPER_MODULES)

    def open(self, *, run_migrations: bool = True) -> None:
        """Migrate (unless the caller already did), then start the writer."""
        if run_migrations:
            migrate.upgrade(self.engine)
        with self.engine.begin() as conn:
            ensure_default_workspace(conn, self.statements.workspace)
        self.writer.start()
        if self.checkpointer:
            self.checkpointer.start()

    def close(self) -> None:
        self.offload.close()
        self.writer.stop()
        if self.checkpointer:
            self.checkpointer.stop()
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    async def project_ids_for_write(self, names: set[str]) -> dict[str, str]:
        """Ids of the named projects, creating the missing ones (a project is made by its first write)."""
        found: dict[str, str] = {}
        for name in names:
            project_id = self.projects.cached(name)
            if project_id is None:
                await self.writer.write(EnsureProject(name))
                with self.read() as conn:
                    project_id = self.project_id(conn, name)
            found[name] = project_id
        return found

    def project_id(self, conn: Connection, name: str) -> str:
        """The id of an existing project; reads of an unknown project are a 404."""
        found = self.projects.lookup(conn, name)
        if found is None:
            raise NotFound(f"project {name!r} not found")
        return found
