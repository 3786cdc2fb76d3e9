"""AST -> Python predicate over a record dict in the API's shape; agrees with `query.sql`.

A record has column names as keys, times as µs ints, `metadata`/`tags` decoded, `input`/`output`
as decoded JSON values (searched through their JSON text, as stored) and `feedback` as
`{name: value}`. Missing keys count as missing values.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from spyglass.server.model.convert import dump_json, now_us
from spyglass.server.query import ast, fields
from spyglass.server.query.ast import Op
from spyglass.server.query.fields import Kind, Target
from spyglass.server.store.search import fold

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]
Clock = Callable[[], int]
_MISSING = object()
_OPS: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: operator.eq, Op.GT: operator.gt, Op.GE: operator.ge, Op.LT: operator.lt, Op.LE: operator.le,
}


def to_predicate(node: ast.Node, target: Target, *, clock: Clock = now_us) -> Predicate:
    """Compile once, call per record. `clock` (µs) resolves `now` at each call."""
    if target not in fields.TARGETS:
        raise ValueError(f"filter target must be 'trace' or 'span', not {target!r}")
    return _compile(node, target, clock)


def _compile(node: ast.Node, target: Target, clock: Clock) -> Predicate:
    if isinstance(node, ast.And):
        parts = [_compile(item, target, clock) for item in node.items]
        return lambda rec: all(part(rec) for part in parts)
    if isinstance(node, ast.Or):
        parts = [_compile(item, target, clock) for item in node.items]
        return lambda rec: any(part(rec) for part in parts)
    if isinstance(node, ast.Not):
        inner = _compile(node.operand, target, clock)
        return lambda rec: not inner(rec)
    spec = fields.check_target(node.field, target)
    return _COMPARE[spec.kind](spec, node, target, clock)


# -- values ------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _constant(value: ast.Scalar, clock: Clock) -> Callable[[], Any]:
    if isinstance(value, ast.RelTime):
        return lambda: clock() + value.offset_us
    constant = value.us if isinstance(value, ast.Time | ast.Duration) else getattr(value, "value", None)
    return lambda: constant


def _duration(rec: Record) -> Any:
    duration = rec.get("duration")
    if duration is None and rec.get("start_time") is not None and rec.get("end_time") is not None:
        return rec["end_time"] - rec["start_time"]
    return duration


def _is_error(rec: Record, target: Target) -> bool:
    if rec.get("error") is not None:
        return True
    return target == "trace" and (rec.get("error_span_count") or 0) > 0


def _getter(spec: fields.FieldSpec) -> Callable[[Record], Any]:
    if spec.kind is Kind.DURATION:
        return _duration
    column = spec.column
    assert column is not None
    return lambda rec: rec.get(column)


def _typed_test(op: Op, value: ast.Scalar, clock: Clock) -> Callable[[Any], bool]:
    """A test of one stored value against a literal, false when the types differ."""
    get = _constant(value, clock)
    compare = _OPS[op]
    if isinstance(value, ast.Bool):
        return lambda v: isinstance(v, bool) and compare(v, get())
    if isinstance(value, ast.Str):
        return lambda v: isinstance(v, str) and compare(v, get())
    return lambda v: _is_number(v) and compare(v, get())


def _any_of(tests: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    return lambda v: any(test(v) for test in tests)


def _value_test(node: ast.Compare, clock: Clock) -> Callable[[Any], bool]:
    """The test a (non-null) stored value must pass for `=`, ordering, `in` or `~`."""
    value = node.value
    assert value is not None
    if isinstance(value, ast.ListOf):
        return _any_of([_typed_test(Op.EQ, item, clock) for item in value.items])
    if node.op is Op.MATCH:
        assert isinstance(value, ast.Str)
        needle = fold(value.value)
        return lambda v: isinstance(v, str) and needle in fold(v)
    return _typed_test(node.op, value, clock)


# -- per kind --------------------------------------------------------------------------------------


def _scalar(spec: fields.FieldSpec, node: ast.Compare, target: Target, clock: Clock) -> Predicate:
    get = _getter(spec)
    if node.op is Op.IS_NULL:
        return lambda rec: get(rec) is None
    test = _value_test(node, clock)
    return lambda rec: test(get(rec))


def _boolean(spec: fields.FieldSpec, node: ast.Compare, target: Target, clock: Clock) -> Predicate:
    assert isinstance(node.value, ast.Bool)
    wanted = node.value.value
    return lambda rec: _is_error(rec, target) is wanted


def _status(spec: fields.FieldSpec, node: ast.Compare, target: Target, clock: Clock) -> Predicate:
    assert node.value is not None
    items = node.value.items if isinstance(node.value, ast.ListOf) else (node.value,)
    wanted = {item.value for item in items if isinstance(item, ast.Str)}
    return lambda rec: ("error" if _is_error(rec, target) else "ok") in wanted


def _tags(spec: fields.FieldSpec, node: ast.Compare, target: Target, clock: Clock) -> Predicate:
    if node.op is Op.IS_NULL:
        return lambda rec: not isinstance(tags := rec.get("tags"), list) or not tags
    assert isinstance(node.value, ast.Str)
    tag = node.value.value
    return lambda rec: isinstance(tags := rec.get("tags"), list) and any(
        isinstance(item, str) and item == tag for item in tags)


def _path(rec: Record, path: tuple[str, ...]) -> Any:
    value: Any = rec.get("metadata")
    for key in path:
        if not isinstance(value, dict):
            return _MISSING
        value = value.get(key, _MISSING)
    return value


def _metadata(spec: fields.FieldSpec, node: ast.Compare, target: Target, clock: Clock) -> Predicate:
    path = node.field.path
    if node.op is Op.IS_NULL:
        return lambda rec: _path(rec, path) in (None, _MISSING)
    test = _value_test(node, clock)
    return lambda rec: test(_path(rec, path))


def _fulltext(spec: fields.FieldSpec, node: ast.Compare, target: Target, clock: Clock) -> Predicate:
    column = spec.name
    if node.op is Op.IS_NULL:
        return lambda rec: rec.get(column) is None
    assert isinstance(node.value, ast.Str)
    needle = fold(node.value.value)

    def search(rec: Record) -> bool:
        text = dump_json(rec.get(column))  # the JSON text exactly as the writer stores it
        return text is not None and needle in fold(text)

    return search


def _feedback(spec: fields.FieldSpec, node: ast.Compare, target: Target, clock: Clock) -> Predicate:
    name = node.field.path[0]

    def score(rec: Record) -> Any:
        return (rec.get("feedback") or {}).get(name)

    if node.op is Op.IS_NULL:
        return lambda rec: score(rec) is None
    test = _value_test(node, clock)
    return lambda rec: test(score(rec))


_COMPARE: dict[Kind, Callable[[fields.FieldSpec, ast.Compare, Target, Clock], Predicate]] = {
    Kind.TEXT: _scalar,
    Kind.NUMBER: _scalar,
    Kind.DURATION: _scalar,
    Kind.TIME: _scalar,
    Kind.BOOL: _boolean,
    Kind.STATUS: _status,
    Kind.TAGS: _tags,
    Kind.JSON: _metadata,
    Kind.FULLTEXT: _fulltext,
    Kind.FEEDBACK: _feedback,
}
