"""Large requests are prepared in helper processes, so that the writer keeps a core of its own.

A Python process runs Python code on one core at a time. With large batches, decoding and
mapping spans on the request side (~45 µs a span) and the writer's own Python work take turns
on that core while the second core idles. Requests of `MIN_BYTES` or more are therefore
prepared (decoded, mapped, turned into statement parameters) in a small process pool; only the
ready rows come back to be written. The pool starts on the first large request and stops after
`idle_seconds` without one, so an idle server holds no extra process. Small requests, and all
requests while the pool starts, are prepared inline: for them the round trip would cost more
than it saves. A pool that breaks (a helper killed) is replaced, and the request is prepared
inline: nothing is lost and no error reaches the client. Helpers that cannot be started at all
(the system refuses a process) leave requests inline, and starting is tried again a minute later.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("spyglass.offload")
T = TypeVar("T")
MIN_BYTES = 64 * 1024  # ~25 OTLP spans: below this the round trip costs more than it saves
RETRY_START_SECONDS = 60.0
PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged process (/proc/sys/fs/pipe-max-size)


def _import(modules: tuple[str, ...]) -> None:
    """Run in each new helper: import what the work needs before the first real request."""
    for name in modules:
        importlib.import_module(name)


def _widen_pipes(pool: ProcessPoolExecutor) -> None:
    """Let a whole request and its prepared rows (~250 KB each at 100 spans) fit in the pool's
    pipes. In a 64 KiB pipe, a helper that has prepared a request waits, before taking the next,
    until this process has read all but the last 64 KiB of it, and this process reads in a thread
    that first needs the interpreter lock, which the writer and the event loop hold most of the
    time. Measured with `bench/otlp_sustained.py`: see docs/benchmarks.md. Where a pipe cannot be
    resized (not Linux, a lower system limit), it stays as it is."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    for queue_name in ("_call_queue", "_result_queue"):  # a pipe each; either end resizes it
        pipe_end = getattr(getattr(pool, queue_name, None), "_reader", None)
        if set_size is not None and pipe_end is not None:
            with suppress(OSError):
                fcntl.fcntl(pipe_end.fileno(), set_size, PIPE_BYTES)


class Offload:
    def __init__(self, processes: int, warm_modules: tuple[str, ...], *, idle_seconds: float = 300.0,
                 min_bytes: int = MIN_BYTES) -> None:
        self.processes = processes
        self.warm_modules = warm_modules
        self.idle_seconds = idle_seconds
        self.min_bytes = min_bytes
        self._pool: ProcessPoolExecutor | None = None
        self._ready = False
        self._last_used = 0.0
        self._start_after = 0.0  # after helpers failed to spawn: not before this time
        self.offloaded = 0  # requests prepared in a helper (for tests and diagnostics)

    @property
    def ready(self) -> bool:
        """Helpers are up and take large requests."""
        return self._pool is not None and self._ready

    @property
    def running(self) -> bool:
        return self._pool is not None

    async def run(self, size: int, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)`: in a helper when the request (of `size` bytes) is large and the pool is
        up, else inline. `fn` and its arguments and result must pickle."""
        pool = self._pool_for(size)
        if pool is None:
            return fn(*args)
        self._last_used = time.monotonic()
        try:
            result = await asyncio.wrap_future(pool.submit(fn, *args))
        except BrokenProcessPool:
            log.warning("an ingest helper process died; starting a new pool, preparing this request inline")
            self._discard(pool)
            return fn(*args)
        except Exception:  # raised by `fn` in the helper (a body that does not decode): the caller's
            self.offloaded += 1
            raise
        self.offloaded += 1
        return result

    def _pool_for(self, size: int) -> ProcessPoolExecutor | None:
        if self.processes <= 0 or size < self.min_bytes:
            return None
        if self._pool is None and time.monotonic() >= self._start_after:
            try:
                self._start()
            except Exception as exc:  # noqa: BLE001 - no helper is no reason to fail a request
                log.warning("cannot start ingest helper processes (%s); preparing requests inline", exc)
                self._start_after = time.monotonic() + RETRY_START_SECONDS
                if self._pool is not None:
                    self._discard(self._pool)
        return self._pool if self._ready else None

    def _start(self) -> None:
        # spawn, not fork: the server process has threads (the writer) holding locks.
        pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        self._pool, self._ready, self._last_used = pool, False, time.monotonic()
        _widen_pipes(pool)
        warming = [pool.submit(_import, self.warm_modules) for _ in range(self.processes)]
        remaining = len(warming)

        def warmed(future: Future[None]) -> None:
            nonlocal remaining
            remaining -= 1
            if future.exception() is not None:
                log.warning("ingest helper processes failed to start (%s); preparing requests inline",
                            future.exception())
            elif remaining == 0 and self._pool is pool:
                self._ready = True

        for future in warming:
            future.add_done_callback(warmed)
        asyncio.get_running_loop().call_later(self.idle_seconds, self._stop_when_idle, pool)

    def _stop_when_idle(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is not pool:
            return
        idle = time.monotonic() - self._last_used
        if idle >= self.idle_seconds:
            self._discard(pool)
        else:
            asyncio.get_running_loop().call_later(self.idle_seconds - idle, self._stop_when_idle, pool)

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool, self._ready = None, False
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._ready = None, False
