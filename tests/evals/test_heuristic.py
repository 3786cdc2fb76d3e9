from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyglass.evals import Contains, Equals, IsJSON, JSONSchemaValid, LevenshteinRatio, RegexMatch, Sentiment
from spyglass.evals.metrics.heuristic import levenshtein, levenshtein_ratio
from spyglass.evals.metrics.text import as_text, as_text_list


def test_equals() -> None:
    assert Equals().score(output=" Paris ", expected="Paris").value == 1.0
    assert Equals(strip=False).score(output=" Paris ", expected="Paris").value == 0.0
    assert Equals().score(output="paris", expected="Paris").value == 0.0
    assert Equals(case_sensitive=False).score(output="PARIS", expected="paris").value == 1.0
    assert Equals().score(output="Lyon", expected=["Paris", "Lyon"]).value == 1.0
    assert Equals().score(output={"a": [1, 2]}, expected={"a": [1, 2]}).value == 1.0
    assert Equals().score(output={"a": 1}, expected={"a": 2}).value == 0.0


def test_contains() -> None:
    assert Contains("paris").score(output="I think PARIS.").value == 1.0
    assert Contains("paris", case_sensitive=True).score(output="I think PARIS.").value == 0.0
    result = Contains().score(output="The answer is 42.", expected=["41", "42"])
    assert result.value == 1.0 and result.metadata["matched"] == "42"
    assert Contains().requires == ("output", "expected") and Contains("x").requires == ("output",)
    assert "does not contain 'x'" in Contains("x").score(output="abc").reason


def test_regex_match() -> None:
    result = RegexMatch(r"\d{3}-\d{4}").score(output="call 555-1234 now")
    assert result.value == 1.0 and result.metadata == {"match": "555-1234", "span": [5, 13]}
    assert RegexMatch(r"^yes$", flags=re.I).score(output="YES").value == 1.0
    assert RegexMatch(re.compile("no")).score(output="yes").value == 0.0


def test_is_json() -> None:
    assert IsJSON().score(output='{"a": 1}').value == 1.0
    assert IsJSON().score(output={"a": 1}).value == 1.0
    bad = IsJSON().score(output="{'a': 1}")
    assert bad.value == 0.0 and bad.reason.startswith("invalid JSON")


SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


def test_json_schema_valid() -> None:
    metric = JSONSchemaValid(SCHEMA)
    assert metric.score(output='{"name": "Ada", "age": 36}').value == 1.0
    assert metric.score(output={"name": "Ada", "age": 36}).value == 1.0
    bad = metric.score(output='{"name": 7, "age": -1}')
    assert bad.value == 0.0
    assert [e["path"] for e in bad.metadata["errors"]] == ["age", "name"]
    assert "2 schema error(s)" in bad.reason
    assert metric.score(output="not json").reason.startswith("invalid JSON")


def test_json_schema_rejects_a_broken_schema_at_construction() -> None:
    import jsonschema

    with pytest.raises(jsonschema.SchemaError):
        JSONSchemaValid({"type": "no-such-type"})


def _dp_levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcé漢 ", max_size=70), st.text(alphabet="abcdé漢 ", max_size=70))
def test_bit_parallel_levenshtein_matches_dynamic_programming(a: str, b: str) -> None:
    assert levenshtein(a, b) == _dp_levenshtein(a, b)


def test_levenshtein_ratio() -> None:
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein_ratio("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert levenshtein_ratio("", "") == 1.0
    metric = LevenshteinRatio()
    assert metric.score(output="kitten", expected=["sitting", "kitten!"]).value == pytest.approx(1 - 1 / 7)
    assert LevenshteinRatio(case_sensitive=False).score(output="ABC", expected="abc").value == 1.0
    long_a, long_b = "ab" * 5000, "ba" * 5000  # 10k characters stay fast with bit-parallelism
    assert levenshtein(long_a, long_b) == 2


def test_text_of_structured_values() -> None:
    assert as_text({"role": "assistant", "content": [{"type": "text", "text": "hi"}, {"type": "image"}]}) == "hi"
    assert as_text({"answer": "Paris"}) == "Paris"
    assert as_text({"a": 1, "b": "é"}) == '{"a": 1, "b": "é"}'
    assert as_text(["a", "b"]) == "a\nb" and as_text(None) == "" and as_text(True) == "true"
    assert as_text_list([{"page_content": "doc1"}, "doc2"]) == ["doc1", "doc2"]
    assert as_text_list({"documents": ["x"]}) == ["x"] and as_text_list("one") == ["one"]


def test_sentiment_uses_the_shipped_vader_lexicon() -> None:
    metric = Sentiment()
    happy = metric.score(output="I love this, it is wonderful and works great!")
    sad = metric.score(output="This is terrible, I hate it and it is broken.")
    flat = metric.score(output="The meeting is at noon.")
    assert happy.value > 0.5 and happy.metadata["label"] == "positive"
    assert sad.value < -0.5 and sad.metadata["label"] == "negative"
    assert flat.value == 0.0 and flat.metadata["label"] == "neutral"
    assert metric.score_range == (-1.0, 1.0)
