"""Conversions between edge values and stored values: times, JSON documents."""

from __future__ import annotations

import json
import math
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
US_PER_MINUTE = 60_000_000
# A NUL character as JSON writes it; backslashes before it come in escaped pairs, and an odd
# one would make `\u0000` literal text (a backslash, then "u0000"), which is kept.
NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def now_us() -> int:
    return time.time_ns() // 1000


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
    """Encode a JSON document for storage; None stays NULL (missing, not JSON null).

    NUL characters are dropped (PostgreSQL stores none, in text or JSONB), so both databases
    keep the same document."""
    if value is None:
        return None
    try:
        text = orjson.dumps(value).decode()
    except TypeError:  # non-string keys (rare: orjson's option for them slows every dump down)
        text = _dump_unusual(value)
    return NUL_ESCAPE.sub(r"\1", text) if "\\u0000" in text else text


def _dump_unusual(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # integers beyond 64 bits, which JSON allows and orjson does not
        return json.dumps(_finite(value), ensure_ascii=False, default=str)


def _finite(value: Any) -> Any:
    """NaN and infinities as null, as orjson writes them (the standard library writes NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def load_json(value: Any) -> Any:
    """Decode a stored JSON document. PostgreSQL JSONB arrives decoded already."""
    if isinstance(value, str):
        return orjson.loads(value)
    return value
