"""A real Spyglass server (uvicorn in a thread, on the test's database) that a test can stop,
and an SDK client for it. Test modules import these fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

import spyglass.sdk as sg
from spyglass.sdk.exporter import _live
from spyglass.sdk.prompt_cache import CACHE
from tests.server.compat.otlp_helpers import live_server


class Server:
    def __init__(self, settings: object) -> None:
        self._stack = ExitStack()
        self.url: str = self._stack.enter_context(live_server(settings)).url  # type: ignore[arg-type]

    def stop(self) -> None:
        self._stack.close()


@pytest.fixture
def server(settings: object) -> Iterator[Server]:
    running = Server(settings)
    yield running
    running.stop()


@pytest.fixture
def cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Prompt cache in a temporary directory, memory cleared before and after."""
    monkeypatch.setenv("SPYGLASS_CACHE_DIR", str(tmp_path / "cache"))
    CACHE.clear_memory()
    yield tmp_path / "cache"
    CACHE.clear_memory()


@pytest.fixture
def api(server: Server, cache_dir: Path) -> Iterator[sg.Client]:
    client = sg.Client(url=server.url, project="sdk-tests")
    yield client
    client.flush(2)
    client.close()
    _live.discard(client._sink)  # type: ignore[arg-type]
