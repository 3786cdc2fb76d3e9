"""The SQL (on a real SQLite file and a real PostgreSQL database) and the Python predicate select
exactly the same rows, for hand-written and random filters.

On SQLite the text-search index is deliberately left part-way: some rows indexed, some updated
after indexing (stale), some never indexed, so every path of the search must be exact.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, update

from spyglass.server.model.convert import dump_json
from spyglass.server.query import compile_filter, parse, to_predicate
from spyglass.server.store import search
from spyglass.server.store import tables as t

from . import dataset
from .conftest import create_schema, pg_database
from .randomfilters import NOW, random_filter

COMMON = [
    'name = "chat"', 'name != "chat"', 'name ~ "CHAT"', 'name !~ "%"', 'name ~ "_"', 'name in ["chat", "检索"]',
    'name not in ["chat"]', "name is null", 'name > "c"', 'name <= "Chat"', 'id = "t0003"', 'id in ["s0001", "t0002"]',
    "duration > 2s", "duration <= 150ms", "duration >= 1.5m", "duration is null", "duration in [0ms, 2s]",
    "not duration > 1s", 'start_time > "2025-11-20T12:05:00Z"', "start_time < now-1h", "end_time >= now-5m",
    'start_time >= "2025-11-20"', "end_time is null", "tokens > 1000", "prompt_tokens < 100", "cost > 0.05",
    "cost is null", "completion_tokens in [1, 2, 3]", "error", "not error", "error = false", 'status = "error"',
    'status != "ok"', 'tags contains "beta"', 'tags not contains "beta"', "tags is null", "tags is not null",
    'tags contains "Beta"', 'tags contains "论文"', 'metadata.env = "prod"', 'metadata.env != "prod"',
    'metadata.env ~ "PRO"', "metadata.env is null", "metadata.latency > 1", "metadata.latency = 3",
    'metadata.latency = "3"', "metadata.flag = true", "metadata.flag = false", "metadata.nested.k >= \"v\"",
    "metadata.nested.n < 2", 'metadata."my key" = "spaced"', 'metadata.0 = "zero"', "metadata.list is not null",
    'metadata.env in ["dev", "Prod", 3]', "metadata.nested is null", 'input ~ "refund"', 'input ~ "REFUNDS"',
    'output ~ "退款"', 'input ~ "退"', 'input ~ "返金"', 'input ~ "école"', 'input ~ "ÉCOLE"', 'input ~ "été"',
    'input ~ "\\"hi\\""', 'input ~ "\\\\"', 'input ~ "100%"', 'input ~ "of_"', 'input ~ "%"', 'input ~ "ord-0001234"',
    'output !~ "refund"', "input is null", "output is not null", 'input ~ ""', 'input ~ "ab"', 'input ~ "12345"',
    'input ~ "ß"', 'input ~ "ẞ"', 'input ~ "超时重试"', 'input ~ "null"', "feedback.hallucination >= 0.5",
    "feedback.relevance < 0.3", 'feedback."Answer Relevance" > 0.1', "feedback.hallucination is null",
    "feedback.hallucination is not null", "feedback.relevance != 0.5", "feedback.relevance in [0.5, 0.25]",
    'name = "chat" or error and not tags contains "beta"', '(input ~ "refund" or output ~ "退款") and duration > 1s',
    'not (metadata.env = "prod" and feedback.hallucination > 0.2)',
]
TRACE_ONLY = ['thread_id = "th1"', "thread_id is null", 'user_id in ["u1", "u2"]', "span_count >= 5",
              'user_id ~ "U"', "span_count = 0 or error"]
SPAN_ONLY = ['type = "llm"', 'type in ["tool", "retriever"]', 'model = "gpt-4o-mini"', "model is null",
             'provider != "openai"', 'trace_id = "t0001"', "parent_span_id is null", 'model ~ "GPT"',
             'type = "llm" and duration > 2s and feedback.hallucination >= 0.5 and metadata.env = "prod" '
             'and tags contains "beta" and input ~ "refund"']


class World:
    """The same records in a database and in memory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.records: dict[str, list[dict[str, Any]]] = {"trace": dataset.traces(120), "span": dataset.spans(160)}

    def select_sql(self, target: str, text: str) -> set[str]:
        table = t.trace if target == "trace" else t.span
        where = compile_filter(text, target, self.engine.dialect.name, now=NOW)  # type: ignore[arg-type]
        with self.engine.connect() as conn:
            return set(conn.execute(select(table.c.id).where(where)).scalars())

    def select_python(self, target: str, text: str) -> set[str]:
        matches = to_predicate(parse(text), target, clock=lambda: NOW)  # type: ignore[arg-type]
        return {rec["id"] for rec in self.records[target] if matches(rec)}


def _build(engine: Engine) -> World:
    world = World(engine)
    later = {target: recs[100:] for target, recs in world.records.items()}
    with engine.begin() as conn:
        for target, recs in world.records.items():
            dataset.insert_records(conn, target, recs[:100])
    with engine.begin() as conn:
        search.catch_up(conn, 150)  # traces all indexed, spans part-way
    with engine.begin() as conn:
        for target, recs in later.items():
            dataset.insert_records(conn, target, recs)  # never indexed
        _edit(conn, world, "span", [3, 7, 40], {"questions": "now a REFUND? 退款"})  # indexed, then changed
        _edit(conn, world, "trace", [5, 6], "ab 返金 ÉCOLE")
    return world


def _edit(conn: Any, world: World, target: str, positions: list[int], value: Any) -> None:
    table = t.trace if target == "trace" else t.span
    pks = []
    for i in positions:
        rec = world.records[target][i]
        rec["input"] = value
        pks.append(conn.execute(update(table).where(table.c.id == rec["id"]).values(input=dump_json(value))
                                .returning(table.c.pk)).scalar_one())
    search.mark_stale(conn, target, pks)


@pytest.fixture(scope="module")
def world(dialect: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Its own database: the module's tests share it while others empty theirs."""
    with ExitStack() as stack:
        if dialect == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('agree') / 'agree.db'}"
        else:
            url = stack.enter_context(pg_database())
        engine = create_engine(url)
        stack.callback(engine.dispose)
        if dialect == "sqlite":
            create_schema(engine)
        yield _build(engine)


@pytest.mark.parametrize("target", ["trace", "span"])
def test_hand_written_filters_agree(world: World, target: str) -> None:
    filters = COMMON + (TRACE_ONLY if target == "trace" else SPAN_ONLY)
    nontrivial = 0
    for text in filters:
        expected = world.select_python(target, text)
        assert world.select_sql(target, text) == expected, text
        nontrivial += 0 < len(expected) < len(world.records[target])
    assert nontrivial > 0.8 * len(filters)  # the data exercises the filters


@pytest.mark.parametrize("target", ["trace", "span"])
def test_common_searches_agree(world: World, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "BROAD", 2)  # most searches now take the LIKE-alone path
    for text in [f for f in COMMON if "~" in f]:
        assert world.select_sql(target, text) == world.select_python(target, text), text


@pytest.mark.parametrize("target", ["trace", "span"])
def test_random_filters_agree(world: World, target: str) -> None:
    rng = random.Random(f"agree-{target}")
    for _ in range(250):
        text = random_filter(rng, target)
        assert world.select_sql(target, text) == world.select_python(target, text), text


def test_index_is_left_part_way(world: World) -> None:
    with world.engine.connect() as conn:
        left = search.pending(conn)
    assert left > 0 if world.engine.dialect.name == "sqlite" else left == 0  # PostgreSQL indexes in-line
