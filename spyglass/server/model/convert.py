"""Conversions between edge values and stored values: times, JSON documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
US_PER_MINUTE = 60_000_000


def to_us(value: datetime | int | None) -> int | None:
    """A datetime as int microseconds since the epoch, UTC (naive times are taken as UTC).

    An int is taken as microseconds already: decoders of binary formats (OTLP) pass those."""
    if value is None or isinstance(value, int):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - EPOCH) // MICROSECOND


def from_us(value: int | None) -> str | None:
    """Microseconds since the epoch as ISO-8601 UTC with a Z."""
    if value is None:
        return None
    return (EPOCH + timedelta(microseconds=value)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dump_json(value: Any) -> str | None:
    """Encode a JSON document for storage; None stays NULL (missing, not JSON null)."""
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def load_json(value: Any) -> Any:
    """Decode a stored JSON document. PostgreSQL JSONB arrives decoded already."""
    if isinstance(value, str):
        return orjson.loads(value)
    return value
