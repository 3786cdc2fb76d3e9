"""Text search on both databases: CJK, exactness before and after indexing, stale rows, deletes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, select, update

from spyglass.server.model.convert import dump_json
from spyglass.server.query import compile_filter
from spyglass.server.store import search
from spyglass.server.store import tables as t

from . import dataset
from .conftest import create_schema

DOCS: dict[str, Any] = {
    "zh": {"messages": [{"role": "user", "content": "我要退款，订单号是 12345，谢谢"}]},
    "zh2": "请帮我查询订单状态",
    "ja": {"q": "注文の返金をお願いします"},
    "en": {"question": "How do REFUNDS work?"},
    "mixed": "Refund 退款 Straße école",
    "quote": {"text": 'She said "AND NEAR(x y) OR *" - col:umn'},
    "pct": "50% off_today \\ backslash",
    "short": "ab",
    "none": None,
}


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'search.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def span_record(key: str, value: Any) -> dict[str, Any]:
    return {**dataset.spans(1)[0], "id": key, "input": value, "output": {"echo": value}, "feedback": {}}


def add(engine: Engine, docs: dict[str, Any]) -> None:
    with engine.begin() as conn:
        dataset.insert_records(conn, "span", [span_record(k, v) for k, v in docs.items()])


def find(engine: Engine, text: str) -> set[str]:
    where = compile_filter(text, "span", engine.dialect.name)
    with engine.connect() as conn:
        return set(conn.execute(select(t.span.c.id).where(where)).scalars())


def catch_up_all(engine: Engine) -> int:
    total = 0
    with engine.connect() as conn:
        while True:
            with conn.begin():
                done = search.catch_up(conn, 3)
            if not done:
                return total
            total += done


def pending(engine: Engine) -> int:
    with engine.connect() as conn:
        return search.pending(conn)


EXPECTED = {
    'input ~ "退款"': {"zh", "mixed"},
    'input ~ "订单"': {"zh", "zh2"},
    'input ~ "退"': {"zh", "mixed"},
    'input ~ "订单号是"': {"zh"},
    'input ~ "查询订单状态"': {"zh2"},
    'input ~ "返金"': {"ja"},
    'input ~ "お願い"': {"ja"},
    'input ~ "refund"': {"en", "mixed"},
    'input ~ "REFUND"': {"en", "mixed"},
    'input ~ "ÉCOLE"': set(),  # only A-Z fold
    'input ~ "straße"': {"mixed"},
    'input ~ "\\"and near(x y) or *\\""': set(),  # JSON text: the quotes are escaped
    'input ~ "near(x y) or *"': {"quote"},
    'input ~ "\\\\\\"and"': {"quote"},
    'input ~ "col:umn"': {"quote"},
    'input ~ "50%"': {"pct"},
    'input ~ "0%"': {"pct"},
    'input ~ "%"': {"pct"},
    'input ~ "f_t"': {"pct"},
    'input ~ "_"': {"pct"},
    'input ~ "\\\\"': {"pct", "quote"},
    'input ~ "ab"': {"short"},
    'input ~ "\\"ab\\""': {"short"},
    'input ~ "b\\""': {"short"},
    'input ~ ""': set(DOCS) - {"none"},
    'input ~ "12345"': {"zh"},
    'input ~ "zzz"': set(),
    'output ~ "echo"': set(DOCS),
    'output ~ "退款"': {"zh", "mixed"},
    'input !~ "退款"': set(DOCS) - {"zh", "mixed"},
    "input is null": {"none"},
}


@pytest.mark.parametrize("broad", [search.BROAD, 1], ids=["selective", "broad"])
def test_search_is_exact_before_and_after_indexing(engine: Engine, broad: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "BROAD", broad)  # 1: every search counts as common, LIKE alone
    add(engine, DOCS)
    before = {text: find(engine, text) for text in EXPECTED}
    assert before == EXPECTED
    indexed = catch_up_all(engine)
    assert indexed == (len(DOCS) if engine.dialect.name == "sqlite" else 0)
    assert pending(engine) == 0
    assert {text: find(engine, text) for text in EXPECTED} == EXPECTED


def test_rows_added_after_indexing_are_found(engine: Engine) -> None:
    add(engine, {"a": "first 退款"})
    catch_up_all(engine)
    add(engine, {"b": "second 退款"})
    assert pending(engine) == (1 if engine.dialect.name == "sqlite" else 0)
    assert find(engine, 'input ~ "退款"') == {"a", "b"}
    assert find(engine, 'input ~ "second"') == {"b"}


def _set_input(engine: Engine, span_id: str, value: Any) -> None:
    with engine.begin() as conn:
        pk = conn.execute(update(t.span).where(t.span.c.id == span_id).values(input=dump_json(value))
                          .returning(t.span.c.pk)).scalar_one()
        search.mark_stale(conn, "span", [pk])


def test_updated_rows_are_searched_by_their_new_text(engine: Engine) -> None:
    add(engine, {"a": "old words 旧的", "b": "other"})
    catch_up_all(engine)
    _set_input(engine, "a", "new words 新的")
    assert pending(engine) == (1 if engine.dialect.name == "sqlite" else 0)
    for _ in range(2):  # stale (scanned with LIKE), then re-indexed
        assert find(engine, 'input ~ "new words"') == {"a"}
        assert find(engine, 'input ~ "新的"') == {"a"}
        assert find(engine, 'input ~ "old words"') == set()
        assert find(engine, 'input ~ "旧的"') == set()
        catch_up_all(engine)
    assert pending(engine) == 0


def test_mark_stale_ignores_rows_not_indexed_yet(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    add(engine, {"a": "x"})
    _set_input(engine, "a", "y")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM search_stale").scalar() == 0
    assert catch_up_all(engine) == 1


def test_deleted_then_reused_row_keys(engine: Engine) -> None:
    """SQLite gives a new row max(pk) + 1: after deleting the newest rows their keys come back."""
    add(engine, {"a": "alpha", "b": "bravo", "c": "charlie"})
    catch_up_all(engine)
    with engine.begin() as conn:
        pks = list(conn.execute(select(t.span.c.pk).where(t.span.c.id.in_(["b", "c"]))).scalars())
        conn.execute(delete(t.span).where(t.span.c.id.in_(["b", "c"])))
        search.mark_stale(conn, "span", pks)
    catch_up_all(engine)
    add(engine, {"d": "delta bravo"})  # may take the deleted "b" or "c" key
    assert find(engine, 'input ~ "bravo"') == {"d"}
    assert find(engine, 'input ~ "charlie"') == set()
    catch_up_all(engine)
    assert find(engine, 'input ~ "bravo"') == {"d"}
    assert find(engine, 'input ~ "delta"') == {"d"}


def test_traces_are_searched_too(engine: Engine) -> None:
    records = dataset.traces(3)
    for rec, text in zip(records, ["客户投诉", "refund please", None], strict=True):
        rec["input"] = text
    with engine.begin() as conn:
        dataset.insert_records(conn, "trace", records)
    where = compile_filter('input ~ "投诉" or input ~ "REFUND"', "trace", engine.dialect.name)
    for _ in range(2):
        with engine.connect() as conn:
            assert set(conn.execute(select(t.trace.c.id).where(where)).scalars()) == {"t0000", "t0001"}
        catch_up_all(engine)


def test_catch_up_respects_its_limit(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            assert search.catch_up(conn, 10) == 0
            search.mark_stale(conn, "span", [1, 2])  # a no-op
        return
    add(engine, {f"s{i}": f"text {i}" for i in range(10)})
    with engine.begin() as conn:
        assert search.catch_up(conn, 4) == 4
        assert search.pending(conn) == 6
        assert search.catch_up(conn, 100) == 6
        assert search.catch_up(conn, 100) == 0


def test_indexed_search_uses_the_fts_table(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    where = compile_filter('input ~ "refund" or output ~ "退款"', "span", "sqlite")
    sql = str(select(t.span.c.id).where(where).compile(dialect=engine.dialect))
    assert "search_span_input MATCH" in sql and "search_span_output_vocab" in sql
    short = str(select(t.span.c.id).where(compile_filter('input ~ "退"', "span", "sqlite"))
                .compile(dialect=engine.dialect))
    assert "MATCH" not in short  # one character: LIKE only


def test_ddl_is_idempotent(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in search.ddl(engine.dialect.name):
            conn.exec_driver_sql(statement)


def test_sqlite_without_trigrams_searches_with_like(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "TRIGRAM", False)  # SQLite older than 3.34
    assert not any("fts5" in statement for statement in search.ddl("sqlite"))
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    create_schema(engine)
    add(engine, DOCS)
    assert catch_up_all(engine) == 0
    assert {text: find(engine, text) for text in EXPECTED} == EXPECTED
    engine.dispose()


def test_ddl_for_unknown_dialect() -> None:
    with pytest.raises(ValueError, match="mysql"):
        search.ddl("mysql")


def test_trigram_queries_are_quoted() -> None:
    assert search.trigrams("abcd") == ["abc", "bcd"]
    assert search.trigrams('a"b') == ['a"b']
    assert len(search.trigrams("x" * 10 + "abcdefghijklmnopqrstuvwxyz")) == search.MAX_TRIGRAMS
    assert search.like_pattern("5%_\\") == "%5\\%\\_\\\\%"
    assert search.fold("ÀBC déF") == "Àbc déf"
