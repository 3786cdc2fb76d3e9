"""UUIDv7 ids as plain ints (formatted only when sent) and wall-clock timestamps.

Ids are made on the caller's thread, so they must be cheap: one ``getrandbits`` call and a
few shifts. Formatting to the dashed text form happens on the exporter thread.
"""

from __future__ import annotations

import os
import random
import time
from typing import Callable, Union

SpanId = Union[int, str]  # int = local UUIDv7; str = an id that came from outside

_rng = random.Random()
_MASK62 = (1 << 62) - 1
_VERSION_AND_VARIANT = (0x7 << 76) | (0x2 << 62)


def uuid7_int(now_ns: int) -> int:
    """A UUIDv7 for the millisecond of ``now_ns``, as a 128-bit int."""
    r = _rng.getrandbits(74)
    return ((now_ns // 1_000_000) << 80) | _VERSION_AND_VARIANT | ((r >> 62) << 64) | (r & _MASK62)


def format_id(value: SpanId) -> str:
    if type(value) is str:
        return value
    h = "%032x" % value
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# Swappable for deterministic tests (see spyglass.sdk.testing).
new_id: Callable[[int], SpanId] = uuid7_int
now_ns: Callable[[], int] = time.time_ns

_last_second = -1
_last_prefix = ""


def format_time(ns: int) -> str:
    """ISO-8601 UTC with microseconds and ``Z``; the date part is cached per second."""
    global _last_second, _last_prefix
    sec, rem = divmod(ns, 1_000_000_000)
    if sec != _last_second:
        _last_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        _last_second = sec
    return f"{_last_prefix}.{rem // 1000:06d}Z"


def _reseed_after_fork() -> None:
    # A forked child shares the parent's generator state; without a reseed both would mint
    # the same ids.
    _rng.seed()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed_after_fork)
