"""Schema migrations: a new SQLite database is built from the snapshot (equal to what the migrations
build); an existing one is upgraded, and downgraded without losing data."""

from __future__ import annotations

import orjson
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import text

from spyglass.server.app import create_app
from spyglass.server.model.convert import load_json
from spyglass.server.store import migrate
from spyglass.server.store.engine import make_engine
from tests.server.factory import ingest, span, trace


def _built(path, build):
    engine = make_engine(f"sqlite:///{path}", pool_size=1)
    build(engine)
    with engine.connect() as conn:
        schema = migrate.sqlite_schema(conn)
        revision = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return schema, revision


def _head(path):
    return ScriptDirectory.from_config(migrate.alembic_config(make_engine(f"sqlite:///{path}"))).get_current_head()


def test_the_snapshot_is_what_the_migrations_build(tmp_path):
    schema, _ = _built(tmp_path / "alembic.db", migrate.upgrade_with_alembic)
    stored = orjson.loads(migrate.SNAPSHOT.read_bytes())
    assert schema == stored, "migrations changed: run `python -m spyglass.server.store.migrate`"
    assert any("CREATE VIRTUAL TABLE" in sql for sql in stored["schema"])  # full-text search included


def test_a_new_database_from_the_snapshot_is_at_the_head_revision(tmp_path):
    head = _head(tmp_path / "x.db")
    from_migrations, _ = _built(tmp_path / "alembic.db", migrate.upgrade_with_alembic)
    from_snapshot, revision = _built(tmp_path / "snapshot.db", migrate.upgrade)
    assert (from_snapshot, revision) == (from_migrations, head)
    # Alembic agrees there is nothing left to do, and the database works.
    again, revision = _built(tmp_path / "snapshot.db", migrate.upgrade_with_alembic)
    assert (again, revision) == (from_migrations, head)


def test_an_existing_database_is_upgraded_by_the_migrations(tmp_path):
    path = tmp_path / "old.db"
    _built(path, lambda engine: migrate.upgrade_with_alembic(engine, "0002"))
    schema, revision = _built(path, migrate.upgrade)
    assert revision == _head(path)
    assert schema == orjson.loads(migrate.SNAPSHOT.read_bytes())


def test_going_back_before_attribute_refs_puts_the_texts_back(settings):
    long_text = "a prompt long enough to be stored once, in the span input only " * 2
    t = trace()
    s = span(t["id"], input=long_text, attributes={"input.value": long_text, "n": 1})
    with TestClient(create_app(settings)) as client:
        ingest(client, traces=[t], spans=[s])
    engine = make_engine(settings.db_url)
    query = text("SELECT attributes FROM span WHERE id = :id")
    with engine.connect() as conn:
        assert load_json(conn.execute(query, {"id": s["id"]}).scalar()) == {"input.value": None, "n": 1}
    with engine.begin() as conn:
        config = migrate.alembic_config(engine)
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    with engine.connect() as conn:
        stored = conn.execute(query, {"id": s["id"]}).scalar()
    engine.dispose()
    assert load_json(stored) == {"input.value": long_text, "n": 1}
