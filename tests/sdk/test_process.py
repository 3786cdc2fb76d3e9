"""Behaviour that needs a fresh interpreter: import weight, exit, fork."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .sink import Sink

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("PYTEST_VERSION", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=full_env, capture_output=True, text=True, timeout=timeout
    )


def test_import_is_light() -> None:
    proc = run_python(
        """
        import sys
        import spyglass.sdk
        heavy = [m for m in sys.modules if m.split(".")[0] in ("fastapi", "sqlalchemy", "uvicorn", "starlette",
                 "alembic", "pydantic", "httpx", "openai", "anthropic", "langchain_core")
                 or m.startswith("spyglass.server")]
        import threading
        print(heavy, threading.active_count())
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[] 1"  # and no thread started by the import


def test_exit_delivers_pending_spans(sink: Sink) -> None:
    proc = run_python(
        """
        import spyglass.sdk as sg
        @sg.track
        def f(i): return i
        for i in range(500): f(i)
        """,
        env={"SPYGLASS_URL": sink.url},
    )
    assert proc.returncode == 0, proc.stderr
    assert len(sink.ingested("spans")) == 500 and len(sink.ingested("traces")) == 500


def test_server_down_app_runs_at_full_speed_and_exits_promptly(dead_url: str) -> None:
    proc = run_python(
        """
        import time, spyglass.sdk as sg
        @sg.track
        def f(i): return i
        for i in range(2000): f(i)  # warm up
        t0 = time.perf_counter()
        for i in range(20000): f(i)
        print((time.perf_counter() - t0) / 20000 * 1e6)
        print(time.time())
        """,
        env={"SPYGLASS_URL": dead_url, "SPYGLASS_EXIT_FLUSH_TIMEOUT": "2"},
    )
    end = time.time()
    assert proc.returncode == 0, proc.stderr
    per_call_us, last_line_at = (float(x) for x in proc.stdout.split())
    assert per_call_us < 100, per_call_us
    assert end - last_line_at < 3.0
    assert "Traceback" not in proc.stderr


def test_fork_child_exports_its_own_spans(sink: Sink) -> None:
    proc = run_python(
        """
        import os, spyglass.sdk as sg
        @sg.track
        def f(who): return who
        f("parent-before")
        print(sg.flush(5).delivered)
        pid = os.fork()
        if pid == 0:
            f("child")
            r = sg.flush(5)
            os._exit(0 if r.delivered == 2 and r.ok else 3)
        _, status = os.waitpid(pid, 0)
        f("parent-after")
        print(os.waitstatus_to_exitcode(status), sg.flush(5).delivered)
        """,
        env={"SPYGLASS_URL": sink.url},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2", "0", "2"]
    inputs = sorted(s["input"]["who"] for s in sink.ingested("spans"))
    assert inputs == ["child", "parent-after", "parent-before"]
    ids = [s["id"] for s in sink.ingested("spans")]
    assert len(set(ids)) == 3


@pytest.mark.parametrize("value", ["1", "true"])
def test_disabled_by_env_sends_nothing(sink: Sink, value: str) -> None:
    proc = run_python(
        """
        import spyglass.sdk as sg
        @sg.track
        def f(i): return i
        print(f(41) + 1, sg.flush(1).delivered)
        """,
        env={"SPYGLASS_URL": sink.url, "SPYGLASS_DISABLED": value},
    )
    assert proc.stdout.split() == ["42", "0"]
    assert sink.posts() == []
