"""Shared fixtures: every database test runs on a real SQLite file AND a real PostgreSQL database.

`--db sqlite|postgresql|all` (default all) narrows the run. PostgreSQL must be reachable
(SPYGLASS_TEST_PG, default postgresql://postgres@127.0.0.1:5432/test); when it is not, the
run fails loudly instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from spyglass.server.app import create_app
from spyglass.server.settings import Settings
from spyglass.server.store import migrate
from spyglass.server.store.engine import make_engine

PG_ADMIN_URL = os.environ.get("SPYGLASS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default="all", choices=["sqlite", "postgresql", "all"],
                     help="which database the database tests run on")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "dialect" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--db")
        dialects = ["sqlite", "postgresql"] if choice == "all" else [choice]
        metafunc.parametrize("dialect", dialects, scope="session")


def _pg_admin() -> psycopg.Connection:
    url = make_url(PG_ADMIN_URL)
    try:
        return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database,
                               autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"PostgreSQL is required for the test suite and is unreachable at {PG_ADMIN_URL}: "
                           f"{exc}") from None


def _pg_url(name: str) -> str:
    url = make_url(PG_ADMIN_URL)
    return str(url.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def template_db(dialect: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database that each test copies: a file for SQLite, a TEMPLATE for PostgreSQL."""
    if dialect == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()
        yield str(path)
        return
    name = f"spyglass_tmpl_{os.getpid()}"
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(_pg_url(name))
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(dialect: str, template_db: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if dialect == "sqlite":
        path = tmp_path / "spyglass.db"
        shutil.copyfile(template_db, path)
        yield f"sqlite:///{path}"
        return
    name = f"spyglass_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    yield _pg_url(name)
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_url=db_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """HTTP client for a real app (writer thread, real database) via ASGI."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
