"""The one guard that keeps SDK bugs out of the host application.

Every public entry point catches its own failures through :func:`report_internal_error`:
the error is logged once per place, and the application carries on. Under pytest (or with
``SPYGLASS_RAISE_INTERNAL_ERRORS=1``) the error is re-raised so bugs stay loud in tests.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from types import TracebackType
from typing import Any, Callable, TypeVar

logger = logging.getLogger("spyglass.sdk")

F = TypeVar("F", bound=Callable[..., Any])

_seen: set[str] = set()
_seen_lock = threading.Lock()


def _should_raise() -> bool:
    flag = os.environ.get("SPYGLASS_RAISE_INTERNAL_ERRORS")
    if flag is not None:
        return flag.strip().lower() in ("1", "true", "yes", "on")
    return "PYTEST_VERSION" in os.environ


def report_internal_error(where: str, exc: BaseException, *, may_raise: bool = True) -> None:
    """Log ``exc`` once per ``where``; re-raise it when running under tests."""
    with _seen_lock:
        first = where not in _seen
        _seen.add(where)
    if first:
        logger.warning("Spyglass SDK internal error in %s (tracing continues)", where, exc_info=exc)
    if may_raise and _should_raise():
        raise exc


class internal_errors:
    """Context manager and decorator form of the guard: ``with internal_errors("flush"): ...``."""

    __slots__ = ("where",)

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, et: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        report_internal_error(self.where, exc)
        return True

    def __call__(self, fn: F) -> F:
        where = self.where

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                report_internal_error(where, exc)
                return None

        return guarded  # type: ignore[return-value]
