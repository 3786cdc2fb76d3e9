"""The filter AST: small frozen dataclasses. Positions are 1-based columns into the filter text.

The parser normalises negated operators: `a != b` is `Not(a = b)`, `x !~ s` is `Not(x ~ s)`,
`not in`, `not contains` and `is not null` likewise. Every comparison is two-valued (a missing
value makes it false, never unknown), so `not` is plain logical negation on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Op(Enum):
    EQ = "="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    MATCH = "~"
    CONTAINS = "contains"
    IN = "in"
    IS_NULL = "is null"


ORDERING = frozenset({Op.GT, Op.GE, Op.LT, Op.LE})


@dataclass(frozen=True)
class Str:
    value: str
    pos: int


@dataclass(frozen=True)
class Num:
    value: int | float
    pos: int


@dataclass(frozen=True)
class Duration:
    us: int
    pos: int


@dataclass(frozen=True)
class Bool:
    value: bool
    pos: int


@dataclass(frozen=True)
class Null:
    pos: int


@dataclass(frozen=True)
class Time:
    """An absolute time, microseconds since the epoch (UTC)."""

    us: int
    pos: int


@dataclass(frozen=True)
class RelTime:
    """`now` plus an offset; resolved when SQL is built or when the predicate runs."""

    offset_us: int
    pos: int


Scalar = Str | Num | Duration | Bool | Null | Time | RelTime


@dataclass(frozen=True)
class ListOf:
    items: tuple[Scalar, ...]
    pos: int


Value = Scalar | ListOf


@dataclass(frozen=True)
class FieldRef:
    """`name`, or `metadata.a.b` (path=("a", "b")), or `feedback.x` (path=("x",))."""

    name: str
    path: tuple[str, ...]
    pos: int

    def __str__(self) -> str:
        return ".".join((self.name, *self.path))


@dataclass(frozen=True)
class Compare:
    field: FieldRef
    op: Op
    value: Value | None  # None for IS_NULL
    pos: int  # the operator's column


@dataclass(frozen=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node = Compare | Not | And | Or
