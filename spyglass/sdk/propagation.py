"""W3C Trace Context: continue a trace across an HTTP call.

``inject(headers)`` adds ``traceparent`` (and a ``tracestate`` entry carrying the full
128-bit Spyglass span id, which does not fit the 64-bit W3C parent id) to outgoing headers.
``attach_context(headers)`` on the receiving side makes the caller's span the parent of the
spans recorded inside the block. ``get_context()`` is ``inject({})``.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any, Iterable, Mapping, MutableMapping

from . import ids
from ._errors import internal_errors
from .context import CURRENT
from .records import SpanData, TraceData
from .state import STATE, resolve

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_VENDOR = "spyglass"

Headers = Mapping[str, str] | Iterable[tuple[Any, Any]]


def _hex32(value: Any) -> str | None:
    if isinstance(value, int):
        return "%032x" % value
    text = str(value).replace("-", "").lower()
    return text if _HEX32.match(text) else None


def inject(headers: MutableMapping[str, str] | None = None) -> dict[str, str] | MutableMapping[str, str]:
    """Add ``traceparent``/``tracestate`` for the current span to ``headers`` (a new dict if None)."""
    out: MutableMapping[str, str] = {} if headers is None else headers
    with internal_errors("propagation.inject"):
        current = CURRENT.get()
        if current is None or current.id is None:
            return out
        trace_hex, span_hex = _hex32(current.trace.id), _hex32(current.id)
        if trace_hex is None:
            return out
        parent = span_hex[16:] if span_hex else str(current.id).lower()
        if len(parent) != 16 or parent == "0" * 16:
            return out
        out["traceparent"] = f"00-{trace_hex}-{parent}-01"
        if span_hex:
            out["tracestate"] = f"{_VENDOR}={span_hex}"
    return out


def get_context() -> dict[str, str]:
    return dict(inject({}))


def _header(headers: Headers, name: str) -> str | None:
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if k.lower() == name:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def extract(headers: Headers) -> SpanData | None:
    """The remote parent named by ``traceparent``, as a stand-in span; None if absent or invalid."""
    raw = _header(headers, "traceparent")
    match = _TRACEPARENT.match(raw.strip().lower()) if raw else None
    if match is None or match.group(1) == "ff":
        return None
    trace_hex, parent_hex = match.group(2), match.group(3)
    if trace_hex == "0" * 32 or parent_hex == "0" * 16:
        return None
    full_parent = _spyglass_state(_header(headers, "tracestate") or "")
    if full_parent is not None:  # the caller is a Spyglass SDK: ids are dashed UUIDs
        trace_id: str = ids.format_id(int(trace_hex, 16))
        parent_id = ids.format_id(int(full_parent, 16))
    else:  # another tracer: keep its hex ids as they are, as OTLP ingest stores them
        trace_id, parent_id = trace_hex, parent_hex
    resolve()
    now = ids.now_ns()
    trace = TraceData(trace_id, STATE.project, now, STATE.sink)
    trace.remote = True
    anchor = SpanData(parent_id, trace, None, "remote parent", "general", now)
    anchor.anchor = True
    return anchor


def _spyglass_state(tracestate: str) -> str | None:
    for entry in tracestate.split(","):
        key, _, value = entry.strip().partition("=")
        if key == _VENDOR and _HEX32.match(value.lower()):
            return value.lower()
    return None


class attach_context:
    """``with attach_context(request.headers): ...`` — spans inside continue the caller's trace."""

    def __init__(self, carrier: Headers) -> None:
        self._carrier = carrier
        self._token: Any = None

    def __enter__(self) -> str | None:
        anchor = None
        with internal_errors("propagation.attach"):
            anchor = extract(self._carrier)
        if anchor is None:
            return None
        self._token = CURRENT.set(anchor)
        return ids.format_id(anchor.trace.id)

    def __exit__(self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._token is not None:
            with internal_errors("propagation.detach"):
                CURRENT.reset(self._token)
            self._token = None
