from __future__ import annotations

import pytest

from spyglass.server.errors import Overloaded
from spyglass.server.ingest.apply import EnsureProject
from spyglass.server.ingest.writer import Writer
from spyglass.server.store.base import Store
from tests.server.factory import trace


def test_full_queue_refuses_with_retry_after(settings):
    store = Store(settings)
    writer = Writer(store.engine, store.statements, store.projects, max_items=3)  # never started
    writer.submit(EnsureProject("a"))
    writer.submit(EnsureProject("b"))
    writer.submit(EnsureProject("c"))
    with pytest.raises(Overloaded) as caught:
        writer.submit(EnsureProject("d"))
    assert caught.value.status == 429 and int(caught.value.headers["Retry-After"]) >= 1
    store.engine.dispose()


def test_overloaded_server_answers_429(client):
    writer = client.app.state.store.writer
    writer._pending = writer.max_items  # as if the queue were full
    try:
        response = client.post("/api/v1/ingest", json={"traces": [trace()]})
    finally:
        writer._pending = 0
    assert response.status_code == 429
    assert response.headers["Retry-After"].isdigit()


def test_group_commit_answers_every_request_after_commit(settings):
    """Many queued requests are committed together, and each one is answered."""
    store = Store(settings)
    store.open()
    try:
        futures = [store.writer.submit(EnsureProject(f"p{i}")) for i in range(50)]
        for future in futures:
            assert future.result(timeout=30) is None
        assert store.writer.commits < 50  # grouped
        with store.read() as conn:
            assert all(store.projects.lookup(conn, f"p{i}") for i in range(50))
    finally:
        store.close()


def test_wal_is_emptied_when_the_writer_is_idle(tmp_path):
    import time
    from dataclasses import replace as with_fields

    from spyglass.server.settings import Settings

    store = Store(with_fields(Settings(), db_url=f"sqlite:///{tmp_path}/wal.db"))
    store.checkpointer.interval = 0.05
    store.open()
    try:
        for i in range(20):
            store.writer.submit(EnsureProject(f"p{i}")).result(timeout=30)
        deadline = time.monotonic() + 10
        while store.checkpointer.wal_size() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.checkpointer.wal_size() == 0
        with store.read() as conn:
            assert store.projects.lookup(conn, "p19")
    finally:
        store.close()


def test_writer_recovers_when_postgresql_drops_its_connection(tmp_path):
    """A database restart costs at most the write in flight (answered with an error the API
    turns into 503), never the writer: the next writes reconnect and commit."""
    import uuid

    from spyglass.server.settings import Settings
    from tests.conftest import _pg_admin, _pg_url

    name = f"spyglass_blip_{uuid.uuid4().hex[:8]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    store = Store(Settings(db_url=_pg_url(name)))
    store.open()
    try:
        store.writer.submit(EnsureProject("before")).result(timeout=30)
        with _pg_admin() as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        outcomes = []
        for i in range(4):
            try:
                store.writer.submit(EnsureProject(f"after{i}")).result(timeout=30)
                outcomes.append("ok")
            except Exception as exc:  # noqa: BLE001 - the dropped connection surfaces here once
                outcomes.append(type(exc).__name__)
        assert outcomes.count("ok") >= 3 and outcomes[-1] == "ok", outcomes
        with store.read() as conn:
            assert store.projects.lookup(conn, "before") and store.projects.lookup(conn, "after3")
    finally:
        store.close()
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_commits_wait_while_the_writer_is_paused(settings):
    store = Store(settings)
    store.open()
    try:
        with store.writer.paused():
            future = store.writer.submit(EnsureProject("later"))
            assert not future.done()
            with store.read() as conn:
                assert store.projects.lookup(conn, "later") is None
        future.result(timeout=30)
        with store.read() as conn:
            assert store.projects.lookup(conn, "later")
    finally:
        store.close()


def test_wal_stays_small_under_continuous_writes(tmp_path):
    """Checkpoints complete while writes go on, so the WAL is reused from its start instead of
    growing with everything written since the writer was last idle."""
    import asyncio
    import random
    from dataclasses import replace as with_fields

    from spyglass.server.ingest.prepare import prepare
    from spyglass.server.settings import Settings
    from spyglass.server.store.engine import sqlite_path

    settings = with_fields(Settings(), db_url=f"sqlite:///{tmp_path}/busy.db")
    store = Store(settings)
    # Checkpoints every 10 ms: a fast machine writes the whole ~80 MB in well under a second.
    store.checkpointer.interval = 0.01
    store.open()
    try:
        ids = asyncio.run(store.project_ids_for_write({"default"}))
        pending = []
        for request in range(1000):
            spans = [{"id": f"{random.getrandbits(64):016x}", "trace_id": f"{request:032x}", "name": "s",
                      "start_time": 1, "end_time": 2, "input": "x" * 4000} for _ in range(20)]
            pending.append(store.writer.submit(prepare({"spans": spans}, ids, "default", store.statements.span, 1)))
            if len(pending) > 4:
                pending.pop(0).result(timeout=30)
        for future in pending:
            future.result(timeout=30)
        db_bytes = sqlite_path(settings.db_url).stat().st_size
        assert db_bytes > 70_000_000  # ~80 MB of span input went in
        # Without complete checkpoints the WAL would hold all of it (and the database file none).
        assert store.checkpointer.wal_size() < db_bytes / 2, (store.checkpointer.wal_size(), db_bytes)
    finally:
        store.close()


def test_a_request_gone_before_its_commit_costs_the_others_nothing(tmp_path):
    """The event-loop waiters of one group are woken by one call into their loop: a cancelled
    one (its client went away) is skipped, a closed loop is ignored, and every write commits."""
    import asyncio
    from dataclasses import replace as with_fields

    from spyglass.server.settings import Settings

    store = Store(with_fields(Settings(), db_url=f"sqlite:///{tmp_path}/waiters.db"))
    store.open()

    async def with_one_cancelled() -> None:
        with store.writer.paused():  # nothing commits until every write is queued
            tasks = [asyncio.create_task(store.writer.write(EnsureProject(f"w{i}"))) for i in range(3)]
            await asyncio.sleep(0.05)
            tasks[1].cancel()
        await asyncio.gather(tasks[0], tasks[2])
        assert tasks[1].cancelled()

    try:
        asyncio.run(with_one_cancelled())
        closed = asyncio.new_event_loop()
        with store.writer.paused():
            closed.create_task(store.writer.write(EnsureProject("orphan")))
            closed.run_until_complete(asyncio.sleep(0.05))
            closed.close()  # its request waits no more; the write still goes in
        store.writer.submit(EnsureProject("after")).result(timeout=30)
        with store.read() as conn:
            assert all(store.projects.lookup(conn, name) for name in ("w0", "w1", "w2", "orphan", "after"))
    finally:
        store.close()
