"""The field catalogue (name -> kind and column, per target) and the type rules of comparisons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Literal

from spyglass.server.model.records import SPAN_TYPES
from spyglass.server.query import ast
from spyglass.server.query.ast import Op
from spyglass.server.query.errors import FilterError, did_you_mean

Target = Literal["trace", "span"]
TARGETS: tuple[Target, ...] = ("trace", "span")


class Kind(Enum):
    TEXT = "text"
    NUMBER = "number"
    DURATION = "duration"
    TIME = "time"
    BOOL = "bool"
    STATUS = "status"
    TAGS = "tags"
    JSON = "json"
    FULLTEXT = "fulltext"
    FEEDBACK = "feedback"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    column: str | None  # None for derived fields (status, error, feedback)
    targets: frozenset[str]
    choices: tuple[str, ...] = ()  # allowed values of `=` / `in`, when the set is closed


_BOTH = frozenset(TARGETS)
_TRACE = frozenset({"trace"})
_SPAN = frozenset({"span"})


def _spec(name: str, kind: Kind, column: str | None = "", targets: frozenset[str] = _BOTH,
          choices: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(name, kind, name if column == "" else column, targets, choices)


FIELDS: dict[str, FieldSpec] = {f.name: f for f in (
    _spec("id", Kind.TEXT),
    _spec("name", Kind.TEXT),
    _spec("type", Kind.TEXT, targets=_SPAN, choices=SPAN_TYPES),
    _spec("model", Kind.TEXT, targets=_SPAN),
    _spec("provider", Kind.TEXT, targets=_SPAN),
    _spec("status", Kind.STATUS, None, choices=("ok", "error")),
    _spec("error", Kind.BOOL, None),
    _spec("duration", Kind.DURATION),
    _spec("start_time", Kind.TIME),
    _spec("end_time", Kind.TIME),
    _spec("tokens", Kind.NUMBER, "total_tokens"),
    _spec("prompt_tokens", Kind.NUMBER),
    _spec("completion_tokens", Kind.NUMBER),
    _spec("cost", Kind.NUMBER),
    _spec("tags", Kind.TAGS),
    _spec("metadata", Kind.JSON),
    _spec("input", Kind.FULLTEXT),
    _spec("output", Kind.FULLTEXT),
    _spec("feedback", Kind.FEEDBACK, None),
    _spec("thread_id", Kind.TEXT, targets=_TRACE),
    _spec("user_id", Kind.TEXT, targets=_TRACE),
    _spec("span_count", Kind.NUMBER, targets=_TRACE),
    _spec("trace_id", Kind.TEXT, targets=_SPAN),
    _spec("parent_span_id", Kind.TEXT, targets=_SPAN),
)}

_ALL_OPS = frozenset({Op.EQ, Op.IN, Op.IS_NULL}) | ast.ORDERING
OPS: dict[Kind, frozenset[Op]] = {
    Kind.TEXT: _ALL_OPS | {Op.MATCH},
    Kind.NUMBER: _ALL_OPS,
    Kind.DURATION: _ALL_OPS,
    Kind.TIME: frozenset({Op.EQ, Op.IS_NULL}) | ast.ORDERING,
    Kind.BOOL: frozenset({Op.EQ}),
    Kind.STATUS: frozenset({Op.EQ, Op.IN}),
    Kind.TAGS: frozenset({Op.CONTAINS, Op.IS_NULL}),
    Kind.JSON: _ALL_OPS | {Op.MATCH},
    Kind.FULLTEXT: frozenset({Op.MATCH, Op.IS_NULL}),
    Kind.FEEDBACK: _ALL_OPS,
}
_OP_HINTS: dict[Kind, str] = {
    Kind.TAGS: "tags take 'contains', 'not contains', 'is null'",
    Kind.FULLTEXT: "search text with '~' or '!~'",
    Kind.BOOL: "compare with '= true' or '= false'",
    Kind.STATUS: "status is \"ok\" or \"error\": use '=', '!=' or 'in'",
}
_EXPECTED: dict[Kind, str] = {
    Kind.TEXT: "a string", Kind.NUMBER: "a number", Kind.DURATION: "a duration like 150ms or 2s",
    Kind.TIME: "a time like \"2024-05-01T12:00:00Z\" or now-1h", Kind.BOOL: "true or false",
    Kind.STATUS: "\"ok\" or \"error\"", Kind.TAGS: "a string", Kind.FULLTEXT: "a string",
    Kind.FEEDBACK: "a number", Kind.JSON: "a string, number or boolean",
}
_VALUE_TYPES: dict[Kind, tuple[type, ...]] = {
    Kind.TEXT: (ast.Str,), Kind.NUMBER: (ast.Num,), Kind.DURATION: (ast.Duration,),
    Kind.TIME: (ast.Time, ast.RelTime), Kind.BOOL: (ast.Bool,), Kind.STATUS: (ast.Str,),
    Kind.TAGS: (ast.Str,), Kind.FULLTEXT: (ast.Str,), Kind.FEEDBACK: (ast.Num,),
    Kind.JSON: (ast.Str, ast.Num, ast.Bool),
}
MAX_PATH_KEY = 200
MAX_NEEDLE = 1000  # SQLite caps LIKE patterns at 50 KB; nobody searches for a page of text


def spec_of(field: ast.FieldRef) -> FieldSpec:
    """The catalogue entry of a field reference (the parser has checked that it exists)."""
    return FIELDS[field.name]


def resolve_field(name: str, path: tuple[str, ...], pos: int) -> ast.FieldRef:
    spec = FIELDS.get(name.lower())
    if spec is None:
        raise FilterError(f"unknown field '{name}'", pos, did_you_mean(name, FIELDS))
    if spec.kind in (Kind.JSON, Kind.FEEDBACK):
        if not path:
            example = "metadata.env" if spec.kind is Kind.JSON else "feedback.hallucination"
            raise FilterError(f"'{spec.name}' needs a key", pos, f"e.g. {example}")
        if spec.kind is Kind.FEEDBACK and len(path) > 1:
            raise FilterError("a feedback name has no sub-keys", pos, f"quote it: feedback.\"{'.'.join(path)}\"")
        for key in path:
            if not key or len(key) > MAX_PATH_KEY or any(c in key for c in '"\\') or not key.isprintable():
                raise FilterError(f"unsupported key {key!r} in '{spec.name}'", pos)
    elif path:
        raise FilterError(f"'{spec.name}' has no sub-fields", pos)
    return ast.FieldRef(spec.name, path, pos)


def check_target(field: ast.FieldRef, target: str) -> FieldSpec:
    spec = spec_of(field)
    if target not in spec.targets:
        other = "spans" if target == "trace" else "traces"
        raise FilterError(f"field '{spec.name}' is not available on {target}s", field.pos, f"it exists on {other}")
    return spec


def check_compare(field: ast.FieldRef, op: Op, op_pos: int, value: ast.Value | None) -> ast.Compare:
    """Check that `field op value` makes sense, and normalise the value (strings -> times)."""
    spec = spec_of(field)
    if op not in OPS[spec.kind]:
        raise FilterError(f"operator '{op.value}' does not apply to {field}", op_pos, _OP_HINTS.get(spec.kind))
    if value is not None:
        value = _check_value(spec, op, value)
    return ast.Compare(field, op, value, op_pos)


def _check_value(spec: FieldSpec, op: Op, value: ast.Value) -> ast.Value:
    if isinstance(value, ast.ListOf):
        if op is not Op.IN:
            raise FilterError("a list only goes with 'in' / 'not in'", value.pos)
        return ast.ListOf(tuple(_check_scalar(spec, op, item) for item in value.items), value.pos)
    if op is Op.IN:
        raise FilterError("'in' takes a list", value.pos, "e.g. in [\"a\", \"b\"]")
    return _check_scalar(spec, op, value)


def _check_scalar(spec: FieldSpec, op: Op, value: ast.Scalar) -> ast.Scalar:
    if isinstance(value, ast.Null):
        raise FilterError("null is not a value to compare with", value.pos, "use 'is null' / 'is not null'")
    if spec.kind is Kind.TIME and isinstance(value, ast.Str):
        value = ast.Time(parse_time(value.value, value.pos), value.pos)
    if not isinstance(value, _VALUE_TYPES[spec.kind]):
        raise FilterError(f"{spec.name} expects {_EXPECTED[spec.kind]}", value.pos)
    if spec.kind is Kind.JSON and (op in ast.ORDERING and isinstance(value, ast.Bool)):
        raise FilterError("booleans have no order", value.pos)
    if op in (Op.MATCH, Op.CONTAINS) and not isinstance(value, ast.Str):
        raise FilterError(f"'{op.value}' takes a string", value.pos)
    if op is Op.MATCH and isinstance(value, ast.Str) and len(value.value) > MAX_NEEDLE:
        raise FilterError(f"search text longer than {MAX_NEEDLE} characters", value.pos)
    if spec.choices and op in (Op.EQ, Op.IN) and isinstance(value, ast.Str) and value.value not in spec.choices:
        raise FilterError(f"unknown {spec.name} {value.value!r}", value.pos,
                          did_you_mean(value.value, spec.choices) or "one of " + ", ".join(spec.choices))
    return value


def parse_time(text: str, pos: int) -> int:
    """An ISO-8601 date or date-time as microseconds since the epoch; naive times are UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FilterError(f"bad time {text!r}", pos, "use ISO-8601, e.g. \"2024-05-01T12:00:00Z\"") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
