"""Databases for the query tests: SQLite files and one fresh PostgreSQL database per session.

The schema is `tables.metadata.create_all` plus `search.ddl(...)`, as the migration will do.
The `dialect` parameter (sqlite / postgresql, narrowed by `--db`) comes from tests/conftest.py.
PostgreSQL must be reachable: the run fails loudly rather than skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from spyglass.server.store import search
from spyglass.server.store import tables as t

PG_ADMIN_URL = os.environ.get("SPYGLASS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
MakeEngine = Callable[[], Engine]


def _admin() -> psycopg.Connection:
    url = make_url(PG_ADMIN_URL)
    try:
        return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                               dbname=url.database, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"the query tests need PostgreSQL at {PG_ADMIN_URL}: {exc}") from None


def create_schema(engine: Engine) -> None:
    t.metadata.create_all(engine)
    with engine.begin() as conn:
        for statement in search.ddl(engine.dialect.name):
            conn.exec_driver_sql(statement)


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database with the schema, `spyglass_query_<random>`, dropped afterwards."""
    name = f"spyglass_query_{uuid.uuid4().hex[:10]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        engine = create_engine(url)
        create_schema(engine)
        engine.dispose()
        yield url.render_as_string(hide_password=False)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def make_engine(dialect: str, tmp_path_factory: pytest.TempPathFactory,
                request: pytest.FixtureRequest) -> Iterator[MakeEngine]:
    """Builds an engine on an empty schema: a new SQLite file, or the session's PostgreSQL emptied."""
    engines: list[Engine] = []

    def make() -> Engine:
        if dialect == "sqlite":
            path: Path = tmp_path_factory.mktemp("query") / "spyglass.db"
            engine = create_engine(f"sqlite:///{path}")
            create_schema(engine)
        else:
            engine = create_engine(request.getfixturevalue("pg_url"))
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE trace, span, feedback_score RESTART IDENTITY"))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def engine(make_engine: MakeEngine) -> Engine:
    return make_engine()
