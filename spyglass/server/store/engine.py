"""Engines for SQLite and PostgreSQL: URL checks, connection pragmas, reader pool."""

from __future__ import annotations

import functools
import os
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from spyglass.server.errors import SpyglassError


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class DatabaseURLError(SpyglassError):
    """The database URL is malformed or points somewhere unusable."""


def normalize_url(url: str) -> str:
    """Accept the short forms people type and give the driver we ship."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def dialect_of(url: str) -> Dialect:
    try:
        backend = make_url(normalize_url(url)).get_backend_name()
    except ArgumentError:
        raise DatabaseURLError(f"bad database URL {url!r}: expected sqlite:///path or postgresql://...") from None
    if backend == "sqlite":
        return Dialect.SQLITE
    if backend == "postgresql":
        return Dialect.POSTGRESQL
    raise DatabaseURLError(f"unsupported database {backend!r} in {url!r}: use sqlite or postgresql")


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser()


def check_sqlite_location(url: str) -> None:
    """Create the database's folder, and fail with one clear line if we cannot write there."""
    path = sqlite_path(url)
    if path is None:
        raise DatabaseURLError("in-memory SQLite is not supported: give a file, e.g. sqlite:///./spyglass.db")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseURLError(f"cannot create database directory {path.parent}: {exc.strerror}") from None
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        raise DatabaseURLError(f"database location {target} is not writable")


def make_engine(url: str, *, pool_size: int = 8, synchronous: str = "NORMAL") -> Engine:
    url = normalize_url(url)
    dialect = dialect_of(url)
    if dialect is Dialect.SQLITE:
        check_sqlite_location(url)
        return _sqlite_engine(url, pool_size, synchronous)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    event.listen(engine, "connect", _drop_nul_characters)
    return engine


def _drop_nul_characters(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL stores no NUL character in text: drop them rather than fail the whole write
    (SQLite keeps them; JSON documents lose theirs on both, see model/convert.dump_json)."""
    dbapi_connection.adapters.register_dumper(str, _nul_free_str_dumper())


@functools.cache
def _nul_free_str_dumper() -> type:
    """One dumper class for every connection (psycopg is imported only when PostgreSQL is used)."""
    from psycopg.adapt import Dumper

    class NulFreeStr(Dumper):
        oid = 0  # "unknown", as psycopg sends str: PostgreSQL infers the column's type

        def dump(self, obj: str) -> bytes:
            return (obj.replace("\x00", "") if "\x00" in obj else obj).encode()

    return NulFreeStr


def _sqlite_engine(url: str, pool_size: int, synchronous: str) -> Engine:
    url = str(make_url(url).set(database=str(sqlite_path(url))))
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache per connection
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # store/checkpoint.py does it off the writer thread
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()

    return engine
