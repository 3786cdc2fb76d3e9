from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from spyglass.sdk import state
from spyglass.sdk.testing import InMemoryExporter, capture, deterministic

from .sink import Sink


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's environment or ~/.spyglass, or leaks global state."""
    for name in ("SPYGLASS_URL", "SPYGLASS_API_KEY", "SPYGLASS_PROJECT", "SPYGLASS_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPYGLASS_CONFIG_FILE", str(tmp_path / "config.toml"))
    saved = (state.STATE.mode, state.STATE.sink, state.STATE.project, state.STATE.config)
    yield
    state.STATE.mode, state.STATE.sink, state.STATE.project, state.STATE.config = saved


@pytest.fixture
def mem() -> Iterator[InMemoryExporter]:
    with capture() as exporter, deterministic():
        yield exporter


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink()
    yield s
    s.close()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens (connection refused at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def tracing() -> Iterator[object]:
    """``tracing(url, **exporter_options)`` -> the live BatchExporter that ``@track`` now uses."""
    import spyglass.sdk as sg
    from spyglass.sdk.exporter import BatchExporter, _live

    made: list[BatchExporter] = []

    def start(url: str, **options: object) -> BatchExporter:
        options.setdefault("interval", 0.05)
        sg.init(url=url, **options)
        exporter = state.STATE.sink
        assert isinstance(exporter, BatchExporter)
        made.append(exporter)
        return exporter

    yield start
    for exporter in made:
        exporter.shutdown(0.5)
        _live.discard(exporter)


@pytest.fixture
def llm_stub() -> Iterator[object]:
    from .llm_stub import LLMStub

    stub = LLMStub()
    yield stub
    stub.close()
