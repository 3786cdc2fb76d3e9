"""The batching exporter: a bounded queue drained by one daemon thread.

The caller's thread only appends a record to a deque. When the exporter falls behind (more
than ``max_queue`` records waiting) and the server is taking batches, the caller encodes its
record itself and queues the compact bytes instead, bounded by ``max_queue_bytes``: that
paces a tight loop of traced calls to what the exporter can send, without blocking it. With
the server down, or past the byte bound, records are dropped and counted. While the server is unreachable, records wait in the bounded queue and the sender
keeps probing; ``flush()`` then returns at once, reporting them as pending. The exporter thread encodes records to JSON, packs them into gzip batches bounded by
count and bytes, and hands them to ``BatchSender``, which retries. Nothing here ever blocks
or raises into the caller.
"""

from __future__ import annotations

import atexit
import collections
import os
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from ._errors import logger, report_internal_error
from .sender import BatchSender, EncodedBatch
from .serialize import DEFAULT_LIMITS, Limits
from .transport import HttpTransport
from .wire import dumps, encode_bytes


@dataclass(frozen=True)
class FlushResult:
    """What happened to the records handed to the SDK since the previous flush."""

    delivered: int = 0  # stored by the server
    rejected: int = 0  # refused by the server (invalid items, auth errors)
    dropped: int = 0  # lost on our side: queue full, server unreachable, unencodable
    pending: int = 0  # still queued or in flight when the timeout ran out

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.dropped == 0 and self.pending == 0


class Sink(Protocol):
    def submit(self, record: Any) -> None: ...

    def flush(self, timeout: float = 5.0) -> FlushResult: ...

    def shutdown(self, timeout: float = 2.0) -> FlushResult: ...


class NoopSink:
    """Where records go when tracing is disabled."""

    def submit(self, record: Any) -> None:
        return None

    def flush(self, timeout: float = 5.0) -> FlushResult:
        return FlushResult()

    def shutdown(self, timeout: float = 2.0) -> FlushResult:
        return FlushResult()


_ITEM_OVERHEAD = 100  # a queued (kind, bytes) tuple beyond its payload
_live: weakref.WeakSet[BatchExporter] = weakref.WeakSet()


class BatchExporter:
    def __init__(
        self,
        transport: HttpTransport,
        project: str = "default",
        *,
        max_queue: int = 50_000,
        max_queue_bytes: int = 64 * 1024 * 1024,
        batch_items: int = 1_000,
        batch_bytes: int = 4 * 1024 * 1024,
        interval: float = 1.0,
        max_retries: int = 5,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.project = project
        self.sender = BatchSender(transport, max_retries=max_retries)
        self._max_queue = max_queue
        self._max_queue_bytes = max_queue_bytes
        self._batch_items = batch_items
        self._batch_bytes = batch_bytes
        self._interval = interval
        self._limits = limits
        self._project_json = dumps(project)
        self._init_runtime()
        _live.add(self)

    def _init_runtime(self) -> None:
        self._queue: collections.deque[Any] = collections.deque()
        self._wake = threading.Event()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._cycles_started = 0
        self._cycles_done = 0
        self._dropped_full = 0
        self._encoded_bytes = 0  # bytes of caller-encoded items in the queue
        self._bytes_lock = threading.Lock()
        self._encode_failed = 0
        self._last_warning = 0.0
        self._snapshot = (0, 0, 0)
        self.sender.reset_counters()

    # -- caller side ------------------------------------------------------------------

    def submit(self, record: Any) -> None:
        queue = self._queue
        if len(queue) >= self._max_queue:
            self._submit_encoded(record)
            return
        queue.append(record)
        if self._thread is None:
            self._start()
        elif len(queue) >= self._batch_items and not self._wake.is_set():
            self._wake.set()

    def _submit_encoded(self, record: Any) -> None:
        # Encoding here costs the caller a few µs, which is what lets the exporter catch up;
        # it is pointless unless the server is taking batches, so otherwise drop the record.
        if not self.sender.healthy or self._encoded_bytes >= self._max_queue_bytes:
            self._drop_full()
            return
        try:
            # orjson's result keeps a 4 KiB buffer; a copy holds only the payload.
            data = memoryview(encode_bytes(record, self.project, self._limits)).tobytes()
        except Exception as exc:
            self._encode_failed += 1
            report_internal_error("encode", exc, may_raise=False)
            return
        with self._bytes_lock:
            self._encoded_bytes += len(data) + _ITEM_OVERHEAD
        self._queue.append((record.kind, data))
        if not self._wake.is_set():
            self._wake.set()

    def _drop_full(self) -> None:
        with self._cond:
            self._dropped_full += 1
            now = time.monotonic()
            if now - self._last_warning < 30.0:
                return
            self._last_warning = now
        logger.warning(
            "Spyglass: export queue full (%d records, %d MB encoded; server %s); dropped %d records so far",
            len(self._queue), self._encoded_bytes >> 20, self.sender.base_url, self._dropped_full,
        )

    def _start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="spyglass-exporter", daemon=True)
            self._wake.set()  # first contact at once (see _collect)
            self._thread.start()

    def flush(self, timeout: float = 5.0) -> FlushResult:
        """Send everything queued before this call; wait at most ``timeout`` seconds."""
        return self._flush(timeout, stopping=False)

    def _flush(self, timeout: float, stopping: bool) -> FlushResult:
        if self._thread is None and not self._queue:
            return self._result(pending=0)
        if self._thread is None:
            self._start()
        with self._cond:
            target = self._cycles_started + 1
            self._wake.set()
            # With the server known to be down there is nothing to wait for: report pending.
            self._cond.wait_for(lambda: self._cycles_done >= target or (self.sender.down and not stopping), timeout)
            done = self._cycles_done >= target
            pending = 0 if done else len(self._queue) + self.sender.in_flight
        return self._result(pending)

    def shutdown(self, timeout: float = 2.0) -> FlushResult:
        """Final flush with a hard bound; retries stop at the deadline."""
        self.sender.stop_at(time.monotonic() + timeout)
        result = self._flush(timeout, stopping=True)
        self.sender.transport.close()
        return result

    def _result(self, pending: int) -> FlushResult:
        s = self.sender
        now = (s.delivered, s.rejected, s.failed + self._dropped_full + self._encode_failed)
        before, self._snapshot = self._snapshot, now
        return FlushResult(now[0] - before[0], now[1] - before[1], now[2] - before[2], pending)

    def stats(self) -> dict[str, int]:
        s = self.sender
        return {
            "queued": len(self._queue), "delivered": s.delivered, "rejected": s.rejected,
            "failed": s.failed, "dropped_queue_full": self._dropped_full, "encode_failed": self._encode_failed,
        }

    # -- exporter thread --------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            with self._cond:
                self._cycles_started += 1
            try:
                self._drain()
            except Exception as exc:
                report_internal_error("exporter", exc, may_raise=False)
            with self._cond:
                self._cycles_done += 1
                self._cond.notify_all()

    def _drain(self) -> None:
        while self._queue:
            batch = self._collect()
            if batch.count:
                self.sender.send(batch, self._project_json)
            if self.sender.gave_up_for_good():
                self._discard_queue()

    def _collect(self) -> EncodedBatch:
        batch = EncodedBatch()
        queue, project, limits = self._queue, self.project, self._limits
        encoded = 0
        # Until the server has taken a batch, send small ones: callers only help encode once
        # it is known to be up, so learning that early matters more than batch size.
        limit = self._batch_items if self.sender.healthy else min(self._batch_items, 100)
        while queue and batch.count < limit and batch.size < self._batch_bytes:
            record = queue.popleft()
            if type(record) is tuple:  # encoded by the caller
                batch.add(record[0], record[1])
                encoded += len(record[1]) + _ITEM_OVERHEAD
                continue
            try:
                batch.add(record.kind, encode_bytes(record, project, limits))
            except Exception as exc:
                self._encode_failed += 1
                report_internal_error("encode", exc, may_raise=False)
        if encoded:
            with self._bytes_lock:
                self._encoded_bytes -= encoded
        return batch

    def _discard_queue(self) -> None:
        # Past the shutdown deadline with the server unreachable: count what is left as
        # dropped instead of holding up interpreter exit.
        n = len(self._queue)
        self._queue.clear()
        with self._bytes_lock:
            self._encoded_bytes = 0
        self.sender.failed += n

    def _after_fork_in_child(self) -> None:
        # The parent's thread does not exist here and its locks may be held: start over.
        self.sender.transport.forget()
        self._init_runtime()


def shutdown_all(timeout: float = 2.0) -> None:
    """Flush every live exporter at interpreter exit, all within one ``timeout``."""
    deadline = time.monotonic() + timeout
    exporters = [e for e in list(_live) if e._thread is not None]
    for e in exporters:
        e.sender.stop_at(deadline)
        e._wake.set()
    for e in exporters:
        try:
            e._flush(max(0.0, deadline - time.monotonic()), stopping=True)
        except Exception as exc:  # never let exit hang or fail because of tracing
            report_internal_error("shutdown", exc, may_raise=False)


def _after_fork() -> None:
    for e in list(_live):
        e._after_fork_in_child()


def _exit_timeout() -> float:
    try:
        return float(os.environ.get("SPYGLASS_EXIT_FLUSH_TIMEOUT", "2"))
    except ValueError:
        return 2.0


atexit.register(lambda: shutdown_all(_exit_timeout()))
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
