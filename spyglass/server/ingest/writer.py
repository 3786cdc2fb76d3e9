"""The single writer: a bounded queue drained by one thread that commits many requests per
transaction (group commit). A request is answered only after its transaction committed.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine

from spyglass.server.errors import Overloaded
from spyglass.server.ingest.apply import GroupWriter, Work
from spyglass.server.model.convert import now_us
from spyglass.server.store import search
from spyglass.server.store.projects import ProjectCache
from spyglass.server.store.statements import Statements

log = logging.getLogger("spyglass.writer")
_STOP = object()
# After committing a group this small, the writer steps aside before taking the next one: the
# event loop has its acknowledgements to send and new requests to read, and would otherwise
# wait for this thread's next SQLite call to get the interpreter. At one span per request
# that halves a group commit's wall time (bench/otlp_sustained.py --batch 1: +10-14 %).
SMALL_GROUP = 64


Waiter = Future[None] | asyncio.Future[None]  # a thread's or an event loop's


def _settle(waiters: list[Any], error: BaseException | None) -> None:
    for waiter in waiters:
        if waiter.done():  # nobody waits any more: the request was cancelled (its client went away)
            continue
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)


class Writer:
    def __init__(
        self,
        engine: Engine,
        statements: Statements,
        projects: ProjectCache,
        *,
        max_items: int = 200_000,
        batch_max_items: int = 5_000,
        idle_interval: float = 0.25,
        index_batch: int = 500,  # keeps one idle indexing step to ~0.1-0.25 s
    ) -> None:
        self.engine = engine
        self.statements = statements
        self.projects = projects
        self.max_items = max_items
        self.batch_max_items = batch_max_items
        self.idle_interval = idle_interval
        self.index_batch = index_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending = 0
        self._lock = threading.Lock()
        self._commit_lock = threading.Lock()  # held while a group commits; see paused()
        self._thread: threading.Thread | None = None
        self.commits = 0
        self._last_finished = time.monotonic()

    @property
    def pending(self) -> int:
        return self._pending

    def idle_for(self) -> float:
        """Seconds since the last write finished; 0 while writes wait."""
        if self._pending:
            return 0.0
        return time.monotonic() - self._last_finished

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="spyglass-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Commit everything queued so far, then stop."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    def submit(self, work: Work) -> Future[None]:
        """Queue a write from any thread; the future is done once it is committed."""
        future: Future[None] = Future()
        self._enqueue(work, future)
        return future

    def _enqueue(self, work: Work, waiter: Waiter) -> None:
        size = max(work.size, 1)
        with self._lock:
            if self._pending and self._pending + size > self.max_items:
                raise Overloaded(retry_after=1 + self._pending // 50_000)
            self._pending += size
        self._queue.put((work, waiter))

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No commit (of writes or of text-search indexing) starts until the block ends; one
        in progress finishes first."""
        with self._commit_lock:
            yield

    async def write(self, work: Work) -> None:
        """Queue a write and wait until it is committed."""
        done = asyncio.get_running_loop().create_future()
        self._enqueue(work, done)
        await done

    # -- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        with self.engine.connect() as conn:
            self._conn = conn
            while True:
                try:
                    first = self._queue.get(timeout=self.idle_interval)
                except queue.Empty:
                    self._index_while_idle()
                    continue
                if first is _STOP:
                    return
                group, stop = self._collect(first)
                with self._commit_lock:
                    self._commit(group)
                if stop:
                    return
                if sum(work.size for work, _ in group) < SMALL_GROUP:
                    time.sleep(0)  # releases the interpreter lock to a waiting thread

    def _collect(self, first: Any) -> tuple[list[tuple[Work, Waiter]], bool]:
        group = [first]
        size = first[0].size
        while size < self.batch_max_items:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return group, True
            group.append(item)
            size += item[0].size
        return group, False

    def _commit(self, group: list[tuple[Work, Waiter]]) -> None:
        try:
            self._apply([work for work, _ in group])
        except Exception as exc:  # noqa: BLE001 - isolate the failing request, keep the others
            self.projects.clear()
            if len(group) > 1:
                log.warning("group commit failed (%s); retrying its %d requests one by one", exc, len(group))
                for item in group:
                    self._commit([item])
                return
            log.exception("write failed")
            self._finish(group, exc)
            return
        self._finish(group, None)

    def _apply(self, works: list[Work]) -> None:
        with self._conn.begin():
            GroupWriter(self._conn, self.statements, self.projects, now_us()).write(works)
        self.commits += 1

    def _finish(self, group: list[tuple[Work, Waiter]], error: BaseException | None) -> None:
        with self._lock:
            self._pending -= sum(max(work.size, 1) for work, _ in group)
            self._last_finished = time.monotonic()
        # The waiters of one event loop are woken with one call into it, not one each.
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for _, waiter in group:
            if isinstance(waiter, Future):
                _settle([waiter], error)
            else:
                by_loop.setdefault(waiter.get_loop(), []).append(waiter)
        for loop, waiters in by_loop.items():
            with suppress(RuntimeError):  # the loop has closed: nobody waits any more
                loop.call_soon_threadsafe(_settle, waiters, error)

    def _index_while_idle(self) -> None:
        """Bring the text-search index up to date while nothing waits to be written."""
        deadline = time.monotonic() + self.idle_interval
        try:
            while self._queue.empty() and time.monotonic() < deadline:
                with self._commit_lock, self._conn.begin():
                    done = search.catch_up(self._conn, self.index_batch)
                if not done:
                    return
        except Exception:  # noqa: BLE001 - indexing must never stop the writer
            log.exception("text-search indexing failed")
