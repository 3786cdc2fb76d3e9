"""SQLite WAL checkpoints on their own thread.

A checkpoint copies the WAL into the database file and syncs it; run inside the writer's
commit (SQLite's default) it costs the writer a fifth of its time under load. Here it runs
beside the writer: PASSIVE checkpoints never block it, and the WAL is truncated when the
writer has been idle, so the file does not stay large.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

log = logging.getLogger("spyglass.checkpoint")


class Checkpointer:
    def __init__(self, engine: Engine, wal_path: Path, is_idle: Callable[[], bool], interval: float = 1.0,
                 busy_wal_bytes: int = 64 * 1024 * 1024) -> None:
        self.engine = engine
        self.wal_path = wal_path
        self.is_idle = is_idle
        self.interval = interval
        self.busy_wal_bytes = busy_wal_bytes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="spyglass-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self.checkpoint("TRUNCATE")

    def checkpoint(self, mode: str) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})")
        except Exception:  # noqa: BLE001 - a failed checkpoint is retried next round
            log.exception("WAL checkpoint failed")

    def wal_size(self) -> int:
        try:
            return self.wal_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _run(self) -> None:
        # Under load, copy the WAL back only once it is large (each copy syncs the database
        # file); when the writer is idle, empty it so that it does not stay large.
        while not self._stop.wait(self.interval):
            if self.is_idle():
                if self.wal_size():
                    self.checkpoint("TRUNCATE")
            elif self.wal_size() > self.busy_wal_bytes:
                self.checkpoint("PASSIVE")



