"""The parser: precedence, every operator and value kind, normalisation, and error positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyglass.server.errors import BadRequest
from spyglass.server.query import FilterError, ast, parse, to_predicate, to_sql
from spyglass.server.query.ast import Op
from spyglass.server.query.fields import FIELDS


def cmp(text: str) -> ast.Compare:
    node = parse(text)
    assert isinstance(node, ast.Compare), node
    return node


def names(node: ast.Node) -> object:
    """A compact shape of the tree: field names, nested in And/Or/Not."""
    if isinstance(node, ast.And):
        return ("and", *map(names, node.items))
    if isinstance(node, ast.Or):
        return ("or", *map(names, node.items))
    if isinstance(node, ast.Not):
        return ("not", names(node.operand))
    return str(node.field)


# -- structure ---------------------------------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    assert names(parse("name = 'a' or cost > 1 and tokens > 2")) == ("or", "name", ("and", "cost", "tokens"))
    assert names(parse("name = 'a' and cost > 1 or tokens > 2")) == ("or", ("and", "name", "cost"), "tokens")


def test_parentheses_and_not() -> None:
    assert names(parse("(name = 'a' or cost > 1) and tokens > 2")) == ("and", ("or", "name", "cost"), "tokens")
    assert names(parse("not name = 'a' and cost > 1")) == ("and", ("not", "name"), "cost")
    assert names(parse("not (name = 'a' and cost > 1)")) == ("not", ("and", "name", "cost"))
    assert names(parse("not not error")) == ("not", ("not", "error"))


def test_chains_are_flat() -> None:
    node = parse(" or ".join(f"tokens = {i}" for i in range(500)))
    assert isinstance(node, ast.Or) and len(node.items) == 500


def test_keywords_and_field_names_are_case_insensitive() -> None:
    node = parse('NAME = "a" AND Cost > 1 Or NOT tags CONTAINS "x" and TOKENS In [1] and Input Is Not Null')
    assert names(node) == ("or", ("and", "name", "cost"), ("and", ("not", "tags"), "tokens", ("not", "input")))
    assert cmp("error = TRUE").value == ast.Bool(True, 9)


# -- operators -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "op", "negated"), [
    ('name = "a"', Op.EQ, False), ('name != "a"', Op.EQ, True), ("cost > 1", Op.GT, False),
    ("cost >= 1", Op.GE, False), ("cost < 1", Op.LT, False), ("cost <= 1", Op.LE, False),
    ('input ~ "a"', Op.MATCH, False), ('input !~ "a"', Op.MATCH, True), ('tags contains "a"', Op.CONTAINS, False),
    ('tags not contains "a"', Op.CONTAINS, True), ('name in ["a"]', Op.IN, False), ('name not in ["a"]', Op.IN, True),
    ("name is null", Op.IS_NULL, False), ("name is not null", Op.IS_NULL, True),
])
def test_every_operator(text: str, op: Op, negated: bool) -> None:
    node = parse(text)
    if negated:
        assert isinstance(node, ast.Not)
        node = node.operand
    assert isinstance(node, ast.Compare) and node.op is op


def test_bare_boolean_field_means_true() -> None:
    assert cmp("error") == ast.Compare(ast.FieldRef("error", (), 1), Op.EQ, ast.Bool(True, 1), 1)


# -- values ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ('name = "plain"', "plain"), ("name = 'single'", "single"), (r'name = "q\"d"', 'q"d'),
    (r"name = 'it\'s'", "it's"), (r'name = "back\\slash"', "back\\slash"), (r'name = "a\nb\tc"', "a\nb\tc"),
    (r'name = "\u00e9t\u00E9"', "été"), ('name = "退款 🙂"', "退款 🙂"), ("name = \"it's\"", "it's"),
    ('name = ""', ""),
])
def test_strings(text: str, value: str) -> None:
    assert cmp(text).value == ast.Str(value, 8)


@pytest.mark.parametrize(("text", "value"), [
    ("cost = 1", 1), ("cost = 0.25", 0.25), ("cost = -2", -2), ("cost = 1e3", 1000.0), ("cost = .5", 0.5),
    ("cost = +3", 3), ("cost = 2.5E-1", 0.25), ("cost = 99999999999999999999", 1e20),
])
def test_numbers(text: str, value: float) -> None:
    node = cmp(text)
    assert isinstance(node.value, ast.Num) and node.value.value == value


@pytest.mark.parametrize(("text", "us"), [
    ("duration > 150ms", 150_000), ("duration > 2s", 2_000_000), ("duration > 1.5m", 90_000_000),
    ("duration > 1h", 3_600_000_000), ("duration > 500us", 500), ("duration > 3µs", 3),
    ("duration > 1d", 86_400_000_000), ("duration > 0.5s", 500_000), ("duration > 0ms", 0),
])
def test_durations(text: str, us: int) -> None:
    assert cmp(text).value == ast.Duration(us, 12)


@pytest.mark.parametrize(("text", "us"), [
    ('start_time > "2024-05-01T12:00:00Z"', 1_714_564_800_000_000),
    ('start_time > "2024-05-01T14:00:00+02:00"', 1_714_564_800_000_000),
    ('start_time > "2024-05-01T12:00:00"', 1_714_564_800_000_000),  # naive = UTC
    ('start_time > "2024-05-01"', 1_714_521_600_000_000),
    ("start_time > '2024-05-01T12:00:00.000250Z'", 1_714_564_800_000_250),
])
def test_iso_times(text: str, us: int) -> None:
    assert cmp(text).value == ast.Time(us, 14)


@pytest.mark.parametrize(("text", "offset"), [
    ("start_time > now", 0), ("start_time > now-1h", -3_600_000_000), ("start_time > now-7d", -604_800_000_000),
    ("start_time > NOW+30m", 1_800_000_000), ("start_time > now -1h", -3_600_000_000),
    ("end_time <= now-1.5h", -5_400_000_000),
])
def test_relative_times(text: str, offset: int) -> None:
    node = cmp(text)
    assert isinstance(node.value, ast.RelTime) and node.value.offset_us == offset


def test_booleans_lists_and_paths() -> None:
    assert cmp("metadata.flag = false").value == ast.Bool(False, 17)
    node = cmp('metadata.env in ["a", 2, true,]')
    assert isinstance(node.value, ast.ListOf) and [i.value for i in node.value.items] == ["a", 2, True]  # type: ignore[union-attr]
    assert cmp("tokens in []").value == ast.ListOf((), 11)
    assert cmp('metadata.a.b-c."my key".0 = 1').field == ast.FieldRef("metadata", ("a", "b-c", "my key", "0"), 1)
    assert cmp('feedback."Answer Relevance" > 0.5').field.path == ("Answer Relevance",)
    assert cmp("metadata.and = 1").field.path == ("and",)
    assert cmp("metadata.0.x = 1").field.path == ("0", "x")


# -- errors ---------------------------------------------------------------------------------------------


def error_of(text: str) -> FilterError:
    with pytest.raises(FilterError) as info:
        parse(text)
    return info.value


def test_error_message_format() -> None:
    error = error_of("tokens > 10 or duraton > 2s")
    assert str(error) == "unknown field 'duraton' at column 16 (did you mean 'duration'?)"
    assert (error.position, error.reason, error.hint) == (16, "unknown field 'duraton'", "did you mean 'duration'?")
    assert isinstance(error, BadRequest) and error.status == 400
    assert error.body()["detail"]["position"] == 16


@pytest.mark.parametrize(("text", "column", "message"), [
    ("duraton > 2s", 1, "unknown field 'duraton'"),
    ('duration > "abc"', 12, "duration expects a duration like 150ms or 2s"),
    ("duration > 2", 12, "duration expects a duration"),
    ("tags > 3", 6, "operator '>' does not apply to tags"),
    ('tags contains 3', 15, "tags expects a string"),
    ('input = "x"', 7, "operator '=' does not apply to input"),
    ("error = 1", 9, "error expects true or false"),
    ('status = "bad"', 10, "unknown status 'bad'"),
    ('type = "lm"', 8, "unknown type 'lm'"),
    ('start_time > "yesterday"', 14, "bad time 'yesterday'"),
    ("start_time > 5", 14, "start_time expects a time"),
    ("duration > 5parsecs", 13, "unknown duration unit 'parsecs'"),
    ('name == "a"', 6, "unexpected '=='"),
    ("name = 'a' && cost > 1", 12, "unexpected '&&'"),
    ('metadata = "x"', 1, "'metadata' needs a key"),
    ("feedback > 1", 1, "'feedback' needs a key"),
    ("feedback.a.b > 1", 1, "a feedback name has no sub-keys"),
    ('name.x = "a"', 1, "'name' has no sub-fields"),
    ('name in "a"', 9, "'in' takes a list"),
    ('name = ["a"]', 8, "a list only goes with 'in' / 'not in'"),
    ("name = null", 8, "null is not a value to compare with"),
    ('name = "abc', 8, "unterminated string"),
    (r'name = "a\qb"', 10, "unknown escape '\\q'"),
    (r'name = "\u12"', 9, "bad \\u escape"),
    (r'name = "\u0000"', 9, "NUL character in string"),
    ("tokens > 1 and", 15, "expected a field name, found end of filter"),
    ('"x" = 1', 1, "expected a field name, found a string"),
    ("name = ", 8, "expected a value, found end of filter"),
    ('(name = "a"', 12, "expected ')', found end of filter"),
    ('name = "a")', 11, "expected 'and', 'or' or the end of the filter, found ')'"),
    ('name = "a" xor cost > 1', 12, "expected 'and', 'or' or the end of the filter, found 'xor'"),
    ('name is "x"', 9, "expected 'null' or 'not null' after 'is'"),
    ('name not = "x"', 10, "expected 'in' or 'contains' after 'not'"),
    ("name", 5, "expected an operator after 'name'"),
    ("name = abc", 8, "expected a value, found 'abc'"),
    ("metadata.x > true", 14, "booleans have no order"),
    ('tokens ~ "1"', 8, "operator '~' does not apply to tokens"),
    ("cost = 1 # comment", 10, "unexpected character '#'"),
    ("metadata. = 1", 11, "expected a key after '.'"),
    ("", 1, "empty filter"),
    ("   ", 1, "empty filter"),
    ("()", 2, "expected a field name, found ')'"),
    ("not", 4, "expected a field name"),
    ("tokens in [1 2]", 14, "expected ',' or ']'"),
    ("tokens in [[1]]", 12, "lists do not nest"),
    ("cost > 1x", 9, "unknown duration unit 'x'"),
    ("cost > ²", 8, "expected a value, found '²'"),  # a digit to str.isdigit, not to a number
    ('input ~ "' + "x" * 1001 + '"', 9, "search text longer than 1000 characters"),
    ("(" * 100 + "error" + ")" * 100, 65, "filter nested too deeply"),
])
def test_error_positions(text: str, column: int, message: str) -> None:
    error = error_of(text)
    assert error.position == column, str(error)
    assert error.reason.startswith(message), str(error)


def test_hints() -> None:
    assert error_of('type = "lm"').hint == "did you mean 'llm'?"
    assert error_of('status = "ERROR"').hint == "did you mean 'error'?"
    assert error_of("name = 'a' || cost > 1").hint == "use 'or'"
    assert error_of("name = abc").hint == 'quote strings: "..."'


def test_target_errors_point_at_the_field() -> None:
    node = parse('cost > 1 and model = "gpt-4o"')
    for build in (lambda: to_sql(node, "trace", "sqlite"), lambda: to_predicate(node, "trace")):
        with pytest.raises(FilterError) as info:
            build()
        assert str(info.value) == "field 'model' is not available on traces at column 14 (it exists on spans)"
    with pytest.raises(FilterError, match="'thread_id' is not available on spans"):
        to_sql(parse('thread_id = "x"'), "span", "postgresql")


def test_bad_target_or_dialect() -> None:
    with pytest.raises(ValueError, match="target"):
        to_sql(parse("error"), "thread", "sqlite")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sqlite or postgresql"):
        to_sql(parse("error"), "span", "mysql")
    with pytest.raises(ValueError, match="target"):
        to_predicate(parse("error"), "thread")  # type: ignore[arg-type]


# -- the documentation ------------------------------------------------------------------------------------

DOC = Path(__file__).resolve().parents[3] / "docs" / "filter-language.md"


def test_documented_examples_parse() -> None:
    text = DOC.read_text()
    examples = text.split("## More examples", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    lines = [line for line in examples.splitlines() if line.strip()]
    assert len(lines) >= 5
    for line in lines:
        parse(line)
    parse(" ".join(text.split("```text", 1)[1].split("```", 1)[0].split()))  # the opening example


def test_every_field_is_documented() -> None:
    table = DOC.read_text().split("## Fields", 1)[1].split("##", 1)[0]
    missing = [name for name in FIELDS if f"`{name}`" not in table and f"`{name}.<" not in table]
    assert missing == []
