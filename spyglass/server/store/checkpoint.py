"""SQLite WAL checkpoints on their own thread.

A checkpoint copies the WAL into the database file and syncs it; run inside the writer's
commit (SQLite's default) it costs the writer a fifth of its time under load. Here it runs
beside the writer, a few times a second: most of the copy overlaps the writer's work, and once
the WAL holds a few MiB the frames committed meanwhile are copied with the writer paused, so
that the checkpoint completes and the WAL is written again from its start instead of growing
for as long as writes go on. When the writer is idle, the WAL file is truncated.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy import Engine

log = logging.getLogger("spyglass.checkpoint")


class Checkpointer:
    def __init__(self, engine: Engine, wal_path: Path, is_idle: Callable[[], bool],
                 pause: Callable[[], AbstractContextManager[None]], interval: float = 0.25,
                 restart_frames: int = 1024) -> None:
        self.engine = engine
        self.wal_path = wal_path
        self.is_idle = is_idle
        self.interval = interval
        self.pause = pause
        self.restart_frames = restart_frames  # 4 MiB of 4 KiB pages
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

    def checkpoint(self, mode: str) -> int:
        """Run one checkpoint; returns how many frames the WAL holds (0 if it failed)."""
        try:
            with self.engine.connect() as conn:
                _busy, frames, _copied = conn.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})").one()
                return int(frames)
        except Exception:  # noqa: BLE001 - a failed checkpoint is retried next round
            log.exception("WAL checkpoint failed")
            return 0

    def wal_size(self) -> int:
        try:
            return self.wal_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _run(self) -> None:
        # Under load, copy the WAL back every interval. The bulk of it is copied beside the
        # writer; once the WAL holds a few MiB, the frames added meanwhile are copied with the
        # writer paused, so the checkpoint is complete and the writer's next commit starts the
        # WAL again from its beginning. A WAL that only grows costs more than the copy: each
        # write to new file space makes the kernel allocate and zero page-cache memory. When
        # the writer is idle, the WAL is emptied.
        while not self._stop.wait(self.interval):
            if self.is_idle():
                if self.wal_size():
                    self.checkpoint("TRUNCATE")
                continue
            if self.checkpoint("PASSIVE") >= self.restart_frames:
                with self.pause():
                    self.checkpoint("PASSIVE")



