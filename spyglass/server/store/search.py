"""Text search over the `input` and `output` of traces and spans (the filter language's `~`).

Semantics, the same on every backend and in the Python predicate: case-insensitive substring
match over the stored JSON text, where only ASCII letters A-Z fold to a-z (other scripts,
Chinese and Japanese included, match as written).

SQLite: one contentless FTS5 `trigram` table per (table, column), `detail=none`, filled
outside the ingest transaction by `catch_up`, which the writer thread calls when idle. The
index only proposes candidates; every candidate is checked with `LIKE` on the row itself, so
results are exact whatever state the index is in:

    (pk in the index's candidates  or  pk > watermark  or  pk is stale)  and  column LIKE %needle%

Rows above the watermark (not indexed yet) and rows marked stale by `mark_stale` (updated or
deleted since they were indexed) are scanned with `LIKE`. A contentless table cannot forget a
row's old trigrams (SQLite < 3.43 needs the old text for that), so a re-indexed row leaves its
old trigrams behind: harmless, since candidates are checked.

Needles of 3+ characters use their trigrams. Two-character needles (a common Chinese word)
expand to the indexed trigrams that start with them, found in the index's vocabulary; each
indexed text ends with a sentinel character so that every two-character substring starts some
trigram. One-character needles scan with `LIKE`. A needle with more than BROAD candidates (a
common word) also scans with `LIKE`: a list page fills after a few rows then. SQLite older
than 3.34 has no trigram tokenizer: no index is built and every search scans with `LIKE`.

Rows are written with pk = max(pk) + 1 (no AUTOINCREMENT), so deleting the newest rows frees
their keys for reuse; `mark_stale` (which the writer calls for deletes as well as updates)
keeps the watermark at or below the largest key present so that reused keys count as new.

PostgreSQL: `pg_trgm` GIN indexes on the columns, queried with LIKE, or with a regex that folds
A-Z only (see `_postgres_contains`), so that folding never depends on the server's locale.
"""

from __future__ import annotations

import sqlite3
import string

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    and_,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from spyglass.server.store import tables as t
from spyglass.server.store.prepared import raw_cursor

SEARCHABLE: dict[str, Table] = {"trace": t.trace, "span": t.span}
COLUMNS = ("input", "output")
TRIGRAM = sqlite3.sqlite_version_info >= (3, 34, 0)  # FTS5's trigram tokenizer; older SQLite: LIKE only
BROAD = 10_000  # candidates beyond which a search scans with LIKE alone (see _sqlite_candidates)
SENTINEL = "\x01"  # appended to indexed text; JSON text never holds a raw control character
MAX_TRIGRAMS = 12  # more only slows the index lookup; candidates are checked anyway

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_meta = MetaData()
search_state = Table(
    "search_state",
    _meta,
    Column("table_name", Text, primary_key=True),
    Column("watermark", BigInteger, nullable=False),  # rows with pk <= watermark are indexed
)
search_stale = Table(
    "search_stale",
    _meta,
    Column("table_name", Text, nullable=False),
    Column("pk", Integer, nullable=False),
    PrimaryKeyConstraint("table_name", "pk"),
    sqlite_with_rowid=False,
)


def fold(text: str) -> str:
    """Lower-case ASCII letters only: the search's notion of case-insensitivity."""
    return text.translate(_ASCII_LOWER)


def like_pattern(needle: str) -> str:
    """`%needle%` for LIKE ... ESCAPE '\\', with the wildcards in the needle escaped."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_table(table_name: str, column_name: str) -> str:
    return f"search_{table_name}_{column_name}"


# -- schema --------------------------------------------------------------------------------------


def ddl(dialect_name: str) -> list[str]:
    """Statements that create the search structures (run once, after the tables exist)."""
    if dialect_name == "sqlite":
        return _sqlite_ddl()
    if dialect_name == "postgresql":
        return _postgresql_ddl()
    raise ValueError(f"text search: unsupported dialect {dialect_name!r}")


def _sqlite_ddl() -> list[str]:
    dialect = sqlite.dialect()
    statements = [str(CreateTable(tbl, if_not_exists=True).compile(dialect=dialect)).strip()
                  for tbl in (search_state, search_stale)]
    for table_name in SEARCHABLE:
        statements.append(f"INSERT OR IGNORE INTO search_state (table_name, watermark) VALUES ('{table_name}', 0)")
        for column_name in COLUMNS if TRIGRAM else ():
            name = fts_table(table_name, column_name)
            # contentless + detail=none: the smallest trigram index (about 0.6x the text).
            statements.append(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5(text, content='', detail=none, "
                f"columnsize=0, tokenize='trigram case_sensitive 1')"
            )
            statements.append(f"CREATE VIRTUAL TABLE IF NOT EXISTS {name}_vocab USING fts5vocab({name}, row)")
    return statements


def _postgresql_ddl() -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    for table_name in SEARCHABLE:
        for column_name in COLUMNS:
            statements.append(
                f"CREATE INDEX IF NOT EXISTS ix_{table_name}_{column_name}_trgm "
                f"ON {table_name} USING gin ({column_name} gin_trgm_ops)"
            )
    return statements


# -- indexing (SQLite; called by the single writer thread) -----------------------------------------


def mark_stale(conn: Connection, table_name: str, pks: list[int], *, after_delete: bool = True) -> None:
    """Record rows whose input/output changed or that were deleted, inside the writer's transaction.

    Only rows at or below the watermark matter: the others are not indexed yet. Call it for
    deleted rows before inserting new rows in the same transaction: SQLite may hand a new row
    the key of a deleted one, and only a watermark lowered first makes that row count as new.
    `after_delete=False` (only updates in the transaction) skips that step, which costs a
    statement and a written page on every one of the writer's commits.
    """
    if conn.dialect.name != "sqlite" or not TRIGRAM or not pks:
        return
    _check_table(table_name)
    watermark = _watermark(conn, table_name)
    rows = [(table_name, pk) for pk in set(pks) if pk <= watermark]
    if rows:
        raw_cursor(conn).executemany("INSERT OR IGNORE INTO search_stale (table_name, pk) VALUES (?, ?)", rows)
    if after_delete:
        # SQLite gives a new row max(pk) + 1, so after deleting the newest rows a new row could
        # get a pk at or below the watermark; keep the watermark under the largest pk present.
        _clamp_watermark(conn, table_name)


def catch_up(conn: Connection, limit: int) -> int:
    """Index up to `limit` rows (stale ones first); returns how many were processed, 0 when done."""
    if conn.dialect.name != "sqlite" or not TRIGRAM:
        return 0
    done = _reindex_stale(conn, limit)
    for table_name in SEARCHABLE:
        if done >= limit:
            break
        done += _index_new(conn, table_name, limit - done)
    return done


def pending(conn: Connection) -> int:
    """Rows not (or no longer) indexed: what `catch_up` still has to do."""
    if conn.dialect.name != "sqlite":
        return 0
    total = int(conn.exec_driver_sql("SELECT count(*) FROM search_stale").scalar_one())
    for table_name in SEARCHABLE:
        query = f"SELECT count(*) FROM {table_name} WHERE pk > ?"
        total += int(conn.exec_driver_sql(query, (_watermark(conn, table_name),)).scalar_one())
    return total


def _check_table(table_name: str) -> None:
    if table_name not in SEARCHABLE:
        raise ValueError(f"text search: no index on table {table_name!r}")


def _watermark(conn: Connection, table_name: str) -> int:
    # The driver's cursor: the writer reads this on every commit that updates indexed rows.
    cursor = raw_cursor(conn)
    cursor.execute("SELECT watermark FROM search_state WHERE table_name = ?", (table_name,))
    found = cursor.fetchone()
    return int(found[0] or 0) if found else 0


def _clamp_watermark(conn: Connection, table_name: str) -> None:
    conn.exec_driver_sql(
        f"UPDATE search_state SET watermark = min(watermark, (SELECT coalesce(max(pk), 0) FROM {table_name})) "
        "WHERE table_name = ?",
        (table_name,),
    )


def _index_rows(conn: Connection, table_name: str, where: str, params: tuple[object, ...]) -> None:
    for column_name in COLUMNS:
        conn.exec_driver_sql(
            f"INSERT INTO {fts_table(table_name, column_name)} (rowid, text) "
            f"SELECT pk, lower({column_name}) || char(1) FROM {table_name} "
            f"WHERE {where} AND {column_name} IS NOT NULL",
            params,
        )


def _index_new(conn: Connection, table_name: str, limit: int) -> int:
    watermark = _watermark(conn, table_name)
    upto, count = conn.exec_driver_sql(
        f"SELECT max(pk), count(*) FROM (SELECT pk FROM {table_name} WHERE pk > ? ORDER BY pk LIMIT ?)",
        (watermark, limit),
    ).one()
    if not count:
        return 0
    _index_rows(conn, table_name, "pk > ? AND pk <= ?", (watermark, upto))
    conn.exec_driver_sql("UPDATE search_state SET watermark = ? WHERE table_name = ?", (upto, table_name))
    return int(count)


def _reindex_stale(conn: Connection, limit: int) -> int:
    stale = conn.exec_driver_sql("SELECT table_name, pk FROM search_stale LIMIT ?", (limit,)).all()
    by_table: dict[str, list[int]] = {}
    for table_name, pk in stale:
        by_table.setdefault(table_name, []).append(pk)
    for table_name, pks in by_table.items():
        _check_table(table_name)
        for i in range(0, len(pks), 500):
            part = pks[i:i + 500]
            marks = ", ".join("?" * len(part))
            # Deleted rows are simply dropped from the stale list: their old trigrams stay as
            # harmless candidates that the LIKE check rejects.
            _index_rows(conn, table_name, f"pk IN ({marks})", tuple(part))
            conn.exec_driver_sql(
                f"DELETE FROM search_stale WHERE table_name = ? AND pk IN ({marks})", (table_name, *part)
            )
        _clamp_watermark(conn, table_name)
    return len(stale)


# -- queries -------------------------------------------------------------------------------------


def match(table_name: str, column_name: str, needle: str, dialect_name: str) -> ColumnElement[bool]:
    """`column ~ needle` on a trace/span column: never NULL, so NOT over it is exact."""
    _check_table(table_name)
    if column_name not in COLUMNS:
        raise ValueError(f"text search: no index on {table_name}.{column_name}")
    tbl = SEARCHABLE[table_name]
    col = tbl.c[column_name]
    if dialect_name == "sqlite":
        found = and_(col.is_not(None), col.like(like_pattern(needle), escape="\\"))
        candidates = _sqlite_candidates(table_name, column_name, fold(needle))
        return found if candidates is None else and_(candidates, found)
    if dialect_name == "postgresql":
        found = and_(col.is_not(None), ascii_like(col, needle, dialect_name))
        if len(needle) >= 3:
            return found  # pg_trgm serves LIKE and `~` from three characters on
        # No trigram to look up: PostgreSQL would misjudge the search as rare and read every
        # row. Inside CASE it counts as common, and the list reads rows in its own order.
        return case((found, true()), else_=false())
    raise ValueError(f"text search: unsupported dialect {dialect_name!r}")


def ascii_like(col: ColumnElement[str], needle: str, dialect_name: str) -> ColumnElement[bool]:
    """Case-insensitive (ASCII letters only) substring test on any text expression; may be NULL."""
    if dialect_name == "sqlite":
        return col.like(like_pattern(needle), escape="\\")  # SQLite's LIKE folds exactly ASCII
    if dialect_name == "postgresql":
        return _postgres_contains(col, needle)
    raise ValueError(f"text search: unsupported dialect {dialect_name!r}")


def _postgres_contains(col: ColumnElement[str], needle: str) -> ColumnElement[bool]:
    """LIKE when the needle has no ASCII letter (nothing to fold), else a regex with [aA] classes.

    ILIKE would fold every script by the server's locale (and lower-cases each whole text
    first, which is slow); translate() is slower still. pg_trgm indexes both LIKE and `~`.
    The pattern is inlined, not bound: the planner must see it to choose between the trigram
    index (rare text) and the list's own index order (common text), while a prepared statement
    would get one generic plan for every search.
    """
    if not any(ch in string.ascii_letters for ch in needle):
        pattern = bindparam(None, like_pattern(needle), type_=Text(), unique=True, literal_execute=True)
        return col.like(pattern, escape="\\")
    regex = bindparam(None, ascii_regex(needle), type_=Text(), unique=True, literal_execute=True)
    return col.op("~")(regex)


def ascii_regex(needle: str) -> str:
    """A PostgreSQL regex for `needle` with A-Z/a-z matching either case, everything else literal."""
    parts = []
    for ch in needle:
        if ch in string.ascii_letters:
            parts.append(f"[{ch.lower()}{ch.upper()}]")
        elif ch.isalnum() or ord(ch) > 127:
            parts.append(ch)
        else:
            parts.append("\\" + ch)  # an escaped non-alphanumeric character is itself
    return "".join(parts)


def _sqlite_candidates(table_name: str, column_name: str, folded: str) -> ColumnElement[bool] | None:
    """Rows that may contain `folded`, or None when the index cannot narrow the search.

    SQLite walks a list page in its index order (project, start_time) and tests each row, so
    the index pays off only for selective searches: with few candidates, testing membership
    of a small set is cheap; with many (a common word), building that set costs more than
    LIKE on the rows the page reads before it fills. A capped count decides, once per query
    (SQLite evaluates an uncorrelated subquery once).
    """
    if not TRIGRAM or len(folded) < 2 or any(ord(ch) < 32 for ch in folded):
        return None
    tbl = SEARCHABLE[table_name]
    name = fts_table(table_name, column_name)
    fts = table(name, column("rowid"))
    if len(folded) >= 3:
        query: ColumnElement[str] = bindparam(None, _trigram_query(folded), unique=True)
    else:
        query = _prefix_query(name, folded)
    indexed = select(fts.c.rowid).where(literal_column(name).op("MATCH")(query))
    selective = select(func.count()).select_from(indexed.limit(BROAD).subquery()).scalar_subquery() < BROAD
    tail = tbl.alias(f"{table_name}_tail")  # an alias: not correlated with the outer query's table
    watermark = select(search_state.c.watermark).where(search_state.c.table_name == table_name)
    unindexed = select(tail.c.pk).where(tail.c.pk > func.coalesce(watermark.scalar_subquery(), 0))
    stale = select(search_stale.c.pk).where(search_stale.c.table_name == table_name)
    # One membership test per row: indexed candidates, rows above the watermark, stale rows.
    candidates = tbl.c.pk.in_(union_all(indexed, unindexed, stale))
    return or_(not_(selective), candidates)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def trigrams(text: str) -> list[str]:
    """Distinct trigrams of `text`, at most MAX_TRIGRAMS of them spread over its length."""
    grams = list(dict.fromkeys(text[i:i + 3] for i in range(len(text) - 2)))
    if len(grams) > MAX_TRIGRAMS:
        step = (len(grams) - 1) / (MAX_TRIGRAMS - 1)
        grams = [grams[round(i * step)] for i in range(MAX_TRIGRAMS)]
    return grams


def _trigram_query(folded: str) -> str:
    return " AND ".join(_quote(gram) for gram in trigrams(folded))


def _prefix_query(name: str, folded: str) -> ColumnElement[str]:
    """An FTS5 query ORing every indexed trigram that starts with the two characters `folded`."""
    vocab = table(f"{name}_vocab", column("term"))
    low = bindparam(None, folded, type_=Text(), unique=True)
    high = bindparam(None, folded + chr(0x10FFFF), type_=Text(), unique=True)
    terms = func.group_concat(literal('"') + func.replace(vocab.c.term, '"', '""') + literal('"'), " OR ")
    expanded = select(terms).where(vocab.c.term >= low, vocab.c.term <= high).scalar_subquery()
    never = _quote(SENTINEL * 3)  # matches nothing: the sentinel only ends a text
    return func.coalesce(expanded, never)
