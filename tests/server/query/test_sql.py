"""SQL on both real databases: composing with list queries, two-valued logic, awkward literals."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from spyglass.server.query import FilterError, compile_filter
from spyglass.server.store import tables as t

from . import dataset

EXAMPLE = ('type = "llm" and duration > 2s and feedback.hallucination >= 0.5 and metadata.env = "prod" '
           'and tags contains "beta" and input ~ "refund"')


def _span(span_id: str, **fields: Any) -> dict[str, Any]:
    base = {"id": span_id, "project_id": "p1", "trace_id": "t1", "type": "llm", "name": "chat",
            "start_time": dataset.T0, "end_time": dataset.T0 + 3_000_000, "input": {"q": "A refund please"},
            "output": None, "metadata": {"env": "prod"}, "tags": ["beta"], "error": None,
            "feedback": {"hallucination": 0.5}}
    return {**base, **fields}


def _ids(engine: Engine, text: str, **kwargs: Any) -> list[str]:
    where = compile_filter(text, "span", engine.dialect.name, **kwargs)
    query = (select(t.span.c.id).where(t.span.c.project_id == "p1", where)
             .order_by(t.span.c.start_time.desc(), t.span.c.pk.desc()).limit(50))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


@pytest.fixture
def spans(engine: Engine) -> Engine:
    records = [
        _span("match"),
        _span("short", end_time=dataset.T0 + 1_000_000),
        _span("tool", type="tool"),
        _span("dev", metadata={"env": "dev"}),
        _span("alpha", tags=["alpha"]),
        _span("nice", feedback={"hallucination": 0.1}),
        _span("other", input={"q": "weather"}),
        _span("bare", type="general", start_time=None, end_time=None, input=None, metadata=None, tags=None,
              feedback={}),
        _span("odd", name="'; DROP TABLE span; --", metadata={"a-b c": 1, "环境": "生产"}, total_tokens=5),
    ]
    with engine.begin() as conn:
        dataset.insert_records(conn, "span", records)
    return engine


def test_the_example_filter(spans: Engine) -> None:
    assert _ids(spans, EXAMPLE) == ["match"]


def test_negations_partition_the_rows(spans: Engine) -> None:
    with spans.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.span)).scalar_one()
    for text in [EXAMPLE, "duration > 2s", 'metadata.env = "prod"', 'tags contains "beta"',
                 "feedback.hallucination > 0.2", 'input ~ "refund"', "start_time > now-1h", 'name > "c"',
                 "tokens in [5]", "metadata.x is null"]:
        assert len(_ids(spans, text)) + len(_ids(spans, f"not ({text})")) == total, text


def test_awkward_literals(spans: Engine) -> None:
    assert _ids(spans, 'name = "\'; DROP TABLE span; --"') == ["odd"]
    assert _ids(spans, 'metadata."a-b c" = 1') == ["odd"]
    assert _ids(spans, 'metadata.环境 = "生产"') == ["odd"]
    assert _ids(spans, "tokens > 99999999999999999999") == []
    assert _ids(spans, "tokens = 5.0") == ["odd"]
    assert _ids(spans, "tokens in [4.5, 5.5]") == []  # 5.5 is not rounded to an integer
    assert _ids(spans, "tokens in []") == []
    assert _ids(spans, 'input ~ "%"') == []


def test_relative_times_default_to_the_current_time(spans: Engine) -> None:
    assert _ids(spans, "start_time > now-1h") == []
    assert len(_ids(spans, "start_time > now-1h", now=dataset.T0 + 1_000)) == 8
    recent = time.time_ns() // 1000 - 60_000_000
    with spans.begin() as conn:
        dataset.insert_records(conn, "span", [_span("recent", start_time=recent, end_time=recent + 1)])
    assert _ids(spans, "start_time > now-1h") == ["recent"]


def test_compose_with_counts_and_other_conditions(spans: Engine) -> None:
    where = compile_filter('tags contains "beta" and not error', "span", spans.dialect.name)
    with spans.connect() as conn:
        count = conn.execute(select(func.count()).select_from(t.span).where(where, t.span.c.type == "llm"))
        assert count.scalar_one() == 6


def test_compile_errors_are_filter_errors(spans: Engine) -> None:
    with pytest.raises(FilterError, match="not available on spans"):
        compile_filter("span_count > 1", "span", spans.dialect.name)
