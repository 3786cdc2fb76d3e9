"""Test helpers for code that uses the Spyglass SDK (and for the SDK's own tests).

``capture()`` routes every record to an :class:`InMemoryExporter`; ``deterministic()``
replaces ids with a counter and the clock with one that advances 1 ms per reading, so whole
span trees can be compared exactly.
"""

from __future__ import annotations

import contextlib
import itertools
from typing import Any, Iterator

from . import ids
from .exporter import FlushResult
from .state import STATE, set_sink
from .wire import encode


class InMemoryExporter:
    """A sink that keeps records and encodes them exactly as they would be sent."""

    def __init__(self, project: str = "default") -> None:
        self.project = project
        self.records: list[Any] = []

    def submit(self, record: Any) -> None:
        self.records.append(record)

    def flush(self, timeout: float = 5.0) -> FlushResult:
        return FlushResult(delivered=len(self.records))

    def shutdown(self, timeout: float = 2.0) -> FlushResult:
        return self.flush(timeout)

    def _encoded(self, kind: str) -> list[dict[str, Any]]:
        return [encode(r, self.project) for r in self.records if r.kind == kind]

    @property
    def spans(self) -> list[dict[str, Any]]:
        return self._encoded("spans")

    @property
    def traces(self) -> list[dict[str, Any]]:
        return self._encoded("traces")

    @property
    def scores(self) -> list[dict[str, Any]]:
        return self._encoded("scores")

    def clear(self) -> None:
        self.records.clear()


@contextlib.contextmanager
def capture(project: str = "default") -> Iterator[InMemoryExporter]:
    exporter = InMemoryExporter(project)
    previous = (STATE.sink, STATE.project, STATE.mode)
    set_sink(exporter, project)
    try:
        yield exporter
    finally:
        STATE.sink, STATE.project, STATE.mode = previous


class IncrementingIds:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self, now_ns: int) -> int:
        return next(self._counter)


class FakeClock:
    """Starts at 2026-01-01T00:00:00Z and advances ``step_ns`` on every reading."""

    def __init__(self, start_ns: int = 1_767_225_600_000_000_000, step_ns: int = 1_000_000) -> None:
        self.now = start_ns
        self.step = step_ns

    def __call__(self) -> int:
        value = self.now
        self.now += self.step
        return value


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    saved = (ids.new_id, ids.now_ns)
    ids.new_id, ids.now_ns = IncrementingIds(), FakeClock()
    try:
        yield
    finally:
        ids.new_id, ids.now_ns = saved
