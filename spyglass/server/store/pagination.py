"""Keyset pagination: a cursor is the sort value and key of the last row, opaque to clients."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, or_

from spyglass.server.errors import BadRequest


@dataclass(frozen=True)
class Sort:
    expression: ColumnElement[Any]
    descending: bool


def encode_cursor(value: Any, pk: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([value, pk])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, int]:
    try:
        value, pk = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(pk, int):
            raise ValueError
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise BadRequest("cursor: not a cursor returned by this API") from None
    return value, pk


def after(sort: Sort, pk_column: ColumnElement[Any], cursor: str) -> ColumnElement[bool]:
    """Rows strictly after the cursor in (sort, pk) order."""
    value, pk = decode_cursor(cursor)
    if sort.descending:
        return or_(sort.expression < value, and_(sort.expression == value, pk_column < pk))
    return or_(sort.expression > value, and_(sort.expression == value, pk_column > pk))


def order_by(sort: Sort, pk_column: ColumnElement[Any]) -> list[Any]:
    if sort.descending:
        return [sort.expression.desc(), pk_column.desc()]
    return [sort.expression.asc(), pk_column.asc()]
