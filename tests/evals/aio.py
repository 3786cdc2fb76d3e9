"""``run(coro)``: asyncio.run in a thread of its own.

The browser tests keep a Playwright (sync API) event loop running on the main thread for the
whole session, and asyncio.run refuses to start under a running loop; a fresh thread has none.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
