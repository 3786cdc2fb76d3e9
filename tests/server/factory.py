"""Small builders for ingest records used across the server tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

BASE = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id() -> str:
    return str(uuid.uuid4())


def trace(trace_id: str | None = None, *, offset_s: float = 0, duration_s: float | None = 1.0,
          **fields: Any) -> dict[str, Any]:
    start = BASE + timedelta(seconds=offset_s)
    record = {"id": trace_id or new_id(), "name": "chat", "start_time": iso(start),
              "input": {"question": "How do refunds work?"}, "output": {"answer": "Within 30 days."}}
    if duration_s is not None:
        record["end_time"] = iso(start + timedelta(seconds=duration_s))
    record.update(fields)
    return record


def span(trace_id: str, span_id: str | None = None, *, offset_s: float = 0, duration_s: float | None = 0.5,
         **fields: Any) -> dict[str, Any]:
    start = BASE + timedelta(seconds=offset_s)
    record = {"id": span_id or new_id(), "trace_id": trace_id, "name": "step", "type": "general",
              "start_time": iso(start)}
    if duration_s is not None:
        record["end_time"] = iso(start + timedelta(seconds=duration_s))
    record.update(fields)
    return record


def llm_span(trace_id: str, **fields: Any) -> dict[str, Any]:
    defaults = {"name": "openai.chat", "type": "llm", "model": "gpt-4o-mini", "provider": "openai",
                "input": {"messages": [{"role": "user", "content": "hi"}]},
                "output": {"role": "assistant", "content": "hello"},
                "usage": {"prompt_tokens": 1000, "completion_tokens": 200}}
    return span(trace_id, **{**defaults, **fields})


def ingest(client: Any, project: str = "demo", **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/ingest", json={"project": project, **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def stats(client: Any, project: str = "demo") -> dict[str, Any]:
    response = client.get(f"/api/v1/projects/{project}/stats",
                          params={"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "interval": "1d"})
    assert response.status_code == 200, response.text
    return dict(response.json())
