"""The Python predicate on its own: record shapes, missing values, clocks, JSON text search."""

from __future__ import annotations

from typing import Any

import pytest

from spyglass.server.query import parse, to_predicate

NOW = 1_700_000_000_000_000
HOUR = 3_600_000_000


def matches(text: str, record: dict[str, Any], target: str = "span", now: int = NOW) -> bool:
    return to_predicate(parse(text), target, clock=lambda: now)(record)  # type: ignore[arg-type]


def test_missing_values_make_comparisons_false_and_negations_true() -> None:
    empty: dict[str, Any] = {}
    for text in ['name = "a"', "cost > 0", "duration > 1s", "start_time > now-1h", 'metadata.env = "x"',
                 'tags contains "a"', 'input ~ "a"', "feedback.x >= 0", "error", 'status = "error"']:
        assert not matches(text, empty), text
    for text in ['name != "a"', "not cost > 0", 'input !~ "a"', 'tags not contains "a"', "name is null",
                 "metadata.env is null", "tags is null", "input is null", "feedback.x is null", 'status = "ok"']:
        assert matches(text, empty), text


def test_duration_comes_from_the_times_when_absent() -> None:
    assert matches("duration = 2s", {"start_time": 10, "end_time": 2_000_010})
    assert matches("duration = 3s", {"duration": 3_000_000, "start_time": 10, "end_time": 20})
    assert matches("duration is null", {"start_time": 10})


def test_relative_times_use_the_clock_at_each_call() -> None:
    predicate = to_predicate(parse("start_time > now-1h"), "trace", clock=lambda: clock[0])
    clock = [NOW]
    record = {"start_time": NOW - HOUR // 2}
    assert predicate(record)
    clock[0] = NOW + HOUR
    assert not predicate(record)


def test_error_and_status_per_target() -> None:
    trace = {"error": None, "error_span_count": 2}
    assert matches("error", trace, "trace") and matches('status = "error"', trace, "trace")
    assert not matches("error", trace, "span")  # a span's own error only
    assert matches('status in ["ok"]', {"error": None}, "span")
    assert matches("error", {"error": {"message": "boom"}}, "span")


def test_types_must_match() -> None:
    record = {"metadata": {"n": 3, "s": "3", "b": True, "one": 1, "obj": {"k": "v"}}, "cost": 0.5}
    assert matches("metadata.n = 3", record) and not matches('metadata.n = "3"', record)
    assert matches('metadata.s = "3"', record) and not matches("metadata.s = 3", record)
    assert matches("metadata.b = true", record) and not matches("metadata.b = 1", record)
    assert not matches("metadata.one = true", record)
    assert matches('metadata.obj.k = "v"', record) and not matches('metadata.obj.k.x = "v"', record)
    assert matches("metadata.obj.missing is null", record)
    assert matches("metadata.n in [1, 3]", record) and matches('metadata.s in ["3"]', record)


def test_tags_must_be_a_list_of_strings() -> None:
    assert matches('tags contains "a"', {"tags": ["a", "b"]})
    assert not matches('tags contains "a"', {"tags": "a"})
    assert not matches('tags contains "1"', {"tags": [1]})
    assert matches("tags is null", {"tags": []}) and matches("tags is null", {"tags": None})


def test_text_search_runs_over_the_json_text() -> None:
    record = {"input": {"messages": [{"role": "user", "content": 'say "hi"\n退款'}]}, "output": "plain"}
    assert matches('input ~ "\\"role\\":\\"user\\""', record)  # keys and punctuation are searchable
    assert matches('input ~ "\\\\\\"hi\\\\\\""', record)  # quotes inside strings are escaped in JSON
    assert matches('input ~ "\\\\n退款"', record)
    assert matches('output ~ "\\"plain\\""', record)
    assert matches('input ~ "ROLE"', record) and not matches('input ~ "Rôle"', record)
    assert matches('input ~ "退款"', record)
    assert matches('output ~ "1"', {"output": 12}) and matches('output ~ "true"', {"output": [True]})


@pytest.mark.parametrize("text", ['name ~ "CHAT"', 'name ~ "at_"', 'name ~ "%"', 'name !~ "x"'])
def test_text_fields_search_too(text: str) -> None:
    assert matches(text, {"name": "Chat_100%"})


def test_feedback_values() -> None:
    record = {"feedback": {"hallucination": 0.7, "Answer Relevance": 0.2}}
    assert matches("feedback.hallucination >= 0.5", record)
    assert matches('feedback."Answer Relevance" < 0.5', record)
    assert matches("feedback.relevance is null", record)
    assert matches("feedback.hallucination in [0.7]", record)


def test_the_example_filter() -> None:
    record = {"type": "llm", "start_time": 0, "end_time": 3_000_000, "feedback": {"hallucination": 0.5},
              "metadata": {"env": "prod"}, "tags": ["beta"], "input": {"q": "I want a Refund"}}
    text = ('type = "llm" and duration > 2s and feedback.hallucination >= 0.5 and metadata.env = "prod" '
            'and tags contains "beta" and input ~ "refund"')
    assert matches(text, record)
    assert not matches(text, {**record, "tags": ["alpha"]})
