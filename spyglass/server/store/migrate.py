"""Apply Alembic migrations programmatically (at `spyglass serve` start and `spyglass db upgrade`).

A brand-new SQLite file skips Alembic: it gets, in one transaction, the schema and rows the
migrations would build, from a snapshot kept next to them (migrations/sqlite_schema.json).
Importing Alembic and running three migrations took most of a cold start (~0.6 s of ~1.3 s).
A test rebuilds the snapshot from the migrations and fails when the two differ; refresh it
with `python -m spyglass.server.store.migrate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
SNAPSHOT = MIGRATIONS / "sqlite_schema.json"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and engine.dialect.name == "sqlite" and create_from_snapshot(engine):
        return
    upgrade_with_alembic(engine, revision)


def upgrade_with_alembic(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def create_from_snapshot(engine: Engine) -> bool:
    """Build the newest schema into an empty SQLite database; False if it is not empty."""
    with engine.begin() as conn:
        if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar():
            return False
        snapshot = orjson.loads(SNAPSHOT.read_bytes())
        for sql in snapshot["schema"]:
            conn.exec_driver_sql(sql)
        for table, rows in snapshot["rows"].items():
            marks = ", ".join("?" * len(rows[0]))
            conn.exec_driver_sql(f'INSERT INTO "{table}" VALUES ({marks})', [tuple(row) for row in rows])
    return True


def sqlite_schema(conn: Connection) -> dict[str, Any]:
    """What a migrated SQLite database holds: its CREATE statements in creation order (without
    the tables SQLite makes for its own use, such as full-text index storage) and the rows of
    its tables."""
    kinds = dict(conn.exec_driver_sql("SELECT name, type FROM pragma_table_list").all())
    schema, tables = [], []
    for name, kind, sql in conn.exec_driver_sql("SELECT name, type, sql FROM sqlite_master ORDER BY rowid"):
        if sql is None or name.startswith("sqlite_") or kinds.get(name) == "shadow":
            continue
        schema.append(sql)
        if kind == "table" and kinds.get(name) == "table":
            tables.append(name)
    rows = {name: sorted((list(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"')), key=orjson.dumps)
            for name in tables}
    return {"schema": schema, "rows": {name: found for name, found in rows.items() if found}}


def write_snapshot() -> None:
    """Run the migrations on an empty database and store what they built as the snapshot."""
    import tempfile

    from spyglass.server.store.engine import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/schema.db", pool_size=1)
        upgrade_with_alembic(engine)
        with engine.connect() as conn:
            SNAPSHOT.write_bytes(orjson.dumps(sqlite_schema(conn), option=orjson.OPT_INDENT_2) + b"\n")
        engine.dispose()


if __name__ == "__main__":
    write_snapshot()
    print(f"wrote {SNAPSHOT}")
