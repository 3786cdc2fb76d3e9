"""Process-wide SDK state: the resolved config and where records go.

Resolved lazily on the first traced call, so importing the SDK reads no files and starts no
threads. ``init()`` sets it explicitly; tests swap the sink with ``set_sink``.
"""

from __future__ import annotations

import threading
from typing import Any

from .config import Config, resolve_config
from .exporter import BatchExporter, FlushResult, NoopSink, Sink, _live
from .transport import HttpTransport

UNRESOLVED, ENABLED, DISABLED = 0, 1, 2


class _State:
    mode = UNRESOLVED
    sink: Sink = NoopSink()
    project = "default"
    config: Config | None = None


STATE = _State()
_lock = threading.Lock()
_exporters: dict[tuple[str, str | None], BatchExporter] = {}


def exporter_for(config: Config, **options: Any) -> BatchExporter:
    """The shared exporter for one server and key (created on first use)."""
    key = (config.url, config.api_key)
    with _lock:
        exporter = _exporters.get(key)
        if exporter is None or options:
            exporter = BatchExporter(HttpTransport(config.url, config.api_key), config.project, **options)
            _exporters[key] = exporter
        return exporter


def resolve() -> bool:
    """Settle the config on first use; True when tracing is on."""
    if STATE.mode == UNRESOLVED:
        with _lock:
            if STATE.mode != UNRESOLVED:
                return STATE.mode == ENABLED
            config = resolve_config()
        _apply(config)
    return STATE.mode == ENABLED


def _apply(config: Config, **options: Any) -> None:
    sink: Sink = NoopSink() if config.disabled else exporter_for(config, **options)
    STATE.config = config
    STATE.project = config.project
    STATE.sink = sink
    STATE.mode = DISABLED if config.disabled else ENABLED


def init(
    url: str | None = None,
    api_key: str | None = None,
    project: str | None = None,
    disabled: bool | None = None,
    **exporter_options: Any,
) -> Config:
    """Configure tracing explicitly (arguments win over environment and config file).

    ``exporter_options`` go to :class:`BatchExporter`: ``max_queue``, ``batch_items``,
    ``batch_bytes``, ``interval``, ``max_retries``, ``limits``.
    """
    config = resolve_config(url, api_key, project, disabled)
    _apply(config, **exporter_options)
    return config


def set_sink(sink: Sink, project: str = "default") -> Sink:
    """Send all traced records to ``sink`` (for tests); returns the previous sink."""
    previous = STATE.sink
    STATE.sink = sink
    STATE.project = project
    STATE.mode = ENABLED
    return previous


def flush(timeout: float = 5.0) -> FlushResult:
    """Deliver everything recorded so far, waiting at most ``timeout`` seconds in total."""
    import time

    deadline = time.monotonic() + timeout
    sinks: list[Sink] = [STATE.sink, *(e for e in list(_live) if e is not STATE.sink)]
    totals = [0, 0, 0, 0]
    for sink in sinks:
        r = sink.flush(max(0.0, deadline - time.monotonic()))
        for i, v in enumerate((r.delivered, r.rejected, r.dropped, r.pending)):
            totals[i] += v
    return FlushResult(*totals)
