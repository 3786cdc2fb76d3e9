"""A concurrency limit that holds across threads and event loops at once.

``evaluate()`` calls judges from a thread pool and the server's online worker from asyncio;
one provider may serve both, so the limit is a thread semaphore. Async callers poll it
instead of blocking the loop.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class Limiter:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.limit = limit
        self._sem = threading.BoundedSemaphore(limit)

    def __enter__(self) -> Limiter:
        self._sem.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._sem.release()

    async def __aenter__(self) -> Limiter:
        wait = 0.002
        while not self._sem.acquire(blocking=False):
            await asyncio.sleep(wait)
            wait = min(wait * 2, 0.05)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._sem.release()
