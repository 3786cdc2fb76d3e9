"""A new SQLite database is built from the schema snapshot; it must equal what the migrations build."""

from __future__ import annotations

import orjson
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from spyglass.server.store import migrate
from spyglass.server.store.engine import make_engine


def _built(path, build):
    engine = make_engine(f"sqlite:///{path}", pool_size=1)
    build(engine)
    with engine.connect() as conn:
        schema = migrate.sqlite_schema(conn)
        revision = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return schema, revision


def test_the_snapshot_is_what_the_migrations_build(tmp_path):
    schema, _ = _built(tmp_path / "alembic.db", migrate.upgrade_with_alembic)
    stored = orjson.loads(migrate.SNAPSHOT.read_bytes())
    assert schema == stored, "migrations changed: run `python -m spyglass.server.store.migrate`"
    assert any("CREATE VIRTUAL TABLE" in sql for sql in stored["schema"])  # full-text search included


def test_a_new_database_from_the_snapshot_is_at_the_head_revision(tmp_path):
    head = ScriptDirectory.from_config(migrate.alembic_config(make_engine(f"sqlite:///{tmp_path}/x.db"))).get_current_head()
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
    assert revision == "0003"
    assert schema == orjson.loads(migrate.SNAPSHOT.read_bytes())
