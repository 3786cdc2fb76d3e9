"""``Client``: manual traces and spans, feedback scores, and reading data back.

Writes (traces, spans, scores) go through the same batching exporter as ``@track`` and never
raise. Reads (search, get) and datasets, experiments and prompts (methods from ``datasets.py``,
``experiments.py``, ``prompts.py``) are synchronous HTTP calls that raise
:class:`SpyglassAPIError`, because their caller needs the answer.
"""

from __future__ import annotations

import threading
from typing import Any, Iterable

from . import ids
from .config import Config, resolve_config
from .datasets import DatasetMethods
from .experiments import ExperimentMethods
from .exporter import FlushResult, NoopSink, Sink
from .handles import TraceHandle
from .prompts import PromptMethods
from .records import ScoreData, TraceData
from .rest import Rest, SpyglassAPIError
from .state import exporter_for
from .transport import HttpTransport
from .updates import update_trace


class Client(DatasetMethods, ExperimentMethods, PromptMethods):
    def __init__(
        self, url: str | None = None, api_key: str | None = None, project: str | None = None, *, timeout: float = 10.0
    ) -> None:
        self.config: Config = resolve_config(url, api_key, project)
        self.project = self.config.project
        self._sink: Sink = NoopSink() if self.config.disabled else exporter_for(self.config)
        self._http = HttpTransport(self.config.url, self.config.api_key, timeout)
        self._http_lock = threading.Lock()
        self._rest = Rest(self._http, self._http_lock)  # datasets, experiments, prompts

    # -- writes -------------------------------------------------------------------

    def trace(
        self,
        name: str,
        *,
        input: Any = None,
        metadata: dict[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        thread_id: str | None = None,
        user_id: str | None = None,
        project: str | None = None,
        id: str | None = None,
    ) -> TraceHandle:
        """Start a trace now; add spans with ``.span(...)``, finish with ``.end(output=...)``."""
        now = ids.now_ns()
        data = TraceData(id or ids.new_id(now), project or self.project, now, self._sink)
        data.name = name
        handle = TraceHandle(data)
        update_trace(data, input=input, metadata=metadata, tags=tags, thread_id=thread_id, user_id=user_id)
        return handle

    def log_feedback(
        self,
        target: str,
        target_id: str,
        name: str,
        value: float | None = None,
        *,
        label: str | None = None,
        reason: str | None = None,
        project: str | None = None,
        source: str = "sdk",
        author: str | None = None,
    ) -> None:
        """Record a feedback score on a ``trace``, ``span`` or ``thread`` (by thread id)."""
        if target not in ("trace", "span", "thread"):
            raise ValueError(f"target must be 'trace', 'span' or 'thread', not {target!r}")
        score = ScoreData(target, target_id, name, value, label, reason, project or self.project, source, author)
        self._sink.submit(score)

    def log_trace_feedback(self, trace_id: str, name: str, value: float | None = None, **kw: Any) -> None:
        self.log_feedback("trace", trace_id, name, value, **kw)

    def log_span_feedback(self, span_id: str, name: str, value: float | None = None, **kw: Any) -> None:
        self.log_feedback("span", span_id, name, value, **kw)

    def log_thread_feedback(self, thread_id: str, name: str, value: float | None = None, **kw: Any) -> None:
        self.log_feedback("thread", thread_id, name, value, **kw)

    def flush(self, timeout: float = 5.0) -> FlushResult:
        return self._sink.flush(timeout)

    # -- reads --------------------------------------------------------------------

    def search_traces(self, filter: str | None = None, *, project: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Traces of a project matching a filter expression, newest first."""
        return self._paged("/api/v1/traces", filter, project, limit)

    def search_spans(self, filter: str | None = None, *, project: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        return self._paged("/api/v1/spans", filter, project, limit)

    def get_trace(self, trace_id: str) -> dict[str, Any]:
        """``{"trace": {...}, "spans": [...]}``."""
        result = self._get(f"/api/v1/traces/{trace_id}", {})
        if not isinstance(result, dict):
            raise SpyglassAPIError(200, "unexpected answer")
        return result

    def _paged(self, path: str, filter: str | None, project: str | None, limit: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(items) < limit:
            params = {"project": project or self.project, "filter": filter, "limit": limit - len(items), "cursor": cursor}
            page = self._get(path, params)
            items.extend(page.get("items") or [])
            cursor = page.get("next_cursor")
            if not cursor or not page.get("items"):
                break
        return items[:limit]

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        return self._rest.call("GET", path, params=params)

    def close(self) -> None:
        with self._http_lock:
            self._http.close()
