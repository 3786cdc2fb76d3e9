"""Turn arbitrary Python values into bounded JSON-ready values.

Runs on the exporter thread. It never raises: anything it cannot represent becomes a short
descriptive string. Strings, collections, depth and the total size of one field are capped,
so one huge argument cannot blow up memory or a request.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import math
import uuid
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any


@dataclasses.dataclass(frozen=True)
class Limits:
    max_string: int = 32_768  # characters kept of one string
    max_items: int = 1_000  # items kept of one list or dict
    max_depth: int = 20
    max_field: int = 1_000_000  # characters budget for one input/output/metadata value


DEFAULT_LIMITS = Limits()
_SCALARS = (int, float, bool, type(None))


def to_jsonable(value: Any, limits: Limits = DEFAULT_LIMITS) -> Any:
    walker = _Walker(limits)
    try:
        return walker.walk(value, 0)
    except Exception as exc:  # e.g. a dict changed size while being read
        return f"<unserializable {type(value).__name__}: {type(exc).__name__}>"


class _Walker:
    __slots__ = ("limits", "budget", "path")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.budget = limits.max_field
        self.path: set[int] = set()  # ids of containers being walked, to stop cycles

    def walk(self, v: Any, depth: int) -> Any:
        t = type(v)
        if t is str:
            return self._string(v)
        if t in _SCALARS:
            if t is float and not math.isfinite(v):
                return None
            if t is int and not -(2**63) <= v < 2**64:
                return str(v)  # JSON encoders refuse ints past 64 bits
            self.budget -= 8
            return v
        if self.budget <= 0:
            return "…(truncated)"
        if depth >= self.limits.max_depth:
            return f"<{t.__name__} nested too deep>"
        if t is dict or t is list or t is tuple:
            return self._container(v, depth)
        return self._other(v, depth)

    def _string(self, s: str) -> str:
        if self.budget <= 0 and s:
            return "…(truncated)"
        cap = min(self.limits.max_string, self.budget)
        self.budget -= len(s)
        if len(s) > cap:
            return s[:cap] + f"…(truncated {len(s) - cap} chars)"
        return s

    def _container(self, v: Any, depth: int) -> Any:
        key = id(v)
        if key in self.path:
            return "<cycle>"
        self.path.add(key)
        try:
            if isinstance(v, Mapping):
                return self._mapping(v, depth)
            return self._sequence(v, depth)
        finally:
            self.path.discard(key)

    def _mapping(self, m: Mapping[Any, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        n = len(m)
        for i, (k, item) in enumerate(m.items()):
            if i >= self.limits.max_items:
                out["…"] = f"{n - i} more keys"
                break
            out[k if type(k) is str else str(k)] = self.walk(item, depth + 1)
        return out

    def _sequence(self, seq: Any, depth: int) -> list[Any]:
        items = seq if isinstance(seq, (list, tuple)) else list(seq)
        cap = self.limits.max_items
        out = [self.walk(item, depth + 1) for item in items[:cap]]
        if len(items) > cap:
            out.append(f"…({len(items) - cap} more items)")
        return out

    def _other(self, v: Any, depth: int) -> Any:
        if isinstance(v, str):
            return self._string(str(v))
        if isinstance(v, (Mapping, list, tuple, set, frozenset)):
            return self._container(v, depth)
        if isinstance(v, (bytes, bytearray, memoryview)):
            return f"<{len(v)} bytes>"
        if isinstance(v, enum.Enum):
            return self.walk(v.value, depth + 1)
        if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
            return v.isoformat()
        if isinstance(v, (uuid.UUID, PurePath)):
            return str(v)
        if isinstance(v, BaseException):
            return self._string(f"{type(v).__name__}: {v}")
        converted = _convert_known(v)
        if converted is not _NOTHING:
            return self.walk(converted, depth + 1)
        return self._string(_safe_repr(v))


_NOTHING = object()


def _convert_known(v: Any) -> Any:
    """Pydantic models, dataclasses and numpy-like arrays/scalars, without importing them."""
    model_dump = getattr(v, "model_dump", None)
    if callable(model_dump) and not isinstance(v, type):
        try:
            return model_dump(mode="json")
        except Exception:
            return model_dump()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: getattr(v, f.name, None) for f in dataclasses.fields(v)}
    tolist = getattr(v, "tolist", None)
    if callable(tolist) and hasattr(v, "shape"):
        size = getattr(v, "size", 0)
        if isinstance(size, int) and size > 10_000:
            return f"<{type(v).__name__} shape={tuple(v.shape)} dtype={getattr(v, 'dtype', '?')}>"
        return tolist()
    return _NOTHING


def _safe_repr(v: Any) -> str:
    try:
        text = repr(v)
    except Exception:
        return f"<{type(v).__name__} object>"
    return text if len(text) <= 2_000 else text[:2_000] + "…"
