"""Test data for the UI tests, written through the HTTP API like any client would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from spyglass.server.demo import build, iso, seed_url


def seed_demo(base_url: str) -> None:
    seed_url(build(seed=11, conversations=30, agent_runs=40), base_url)


def big_trace_body(span_count: int, project: str = "big") -> tuple[str, dict[str, Any]]:
    """A trace of `span_count` spans: a root, 50 agent steps, each with tool and LLM children."""
    trace_id = str(uuid.uuid4())
    start = datetime.now(UTC) - timedelta(minutes=5)
    spans = [{"id": f"{trace_id}-root", "trace_id": trace_id, "name": "root", "type": "chain",
              "start_time": iso(start), "end_time": iso(start + timedelta(seconds=60))}]
    per_step = max(1, (span_count - 1) // 50)
    for i in range(1, span_count):
        step = (i - 1) // per_step
        parent = f"{trace_id}-root" if (i - 1) % per_step == 0 else f"{trace_id}-s{1 + step * per_step}"
        at = start + timedelta(milliseconds=i * 10)
        spans.append({"id": f"{trace_id}-s{i}", "trace_id": trace_id, "parent_span_id": parent,
                      "name": f"step {step} call {i}", "type": "llm" if i % 3 == 0 else "tool",
                      "start_time": iso(at), "end_time": iso(at + timedelta(milliseconds=40)),
                      "input": {"messages": [{"role": "user", "content": "x" * 200}]},
                      "error": {"type": "Boom", "message": "failed"} if i == span_count - 1 else None})
    trace = {"id": trace_id, "name": "big trace", "start_time": iso(start), "end_time": iso(start + timedelta(seconds=60))}
    return trace_id, {"project": project, "traces": [trace], "spans": spans}


def post(base_url: str, body: dict[str, Any]) -> None:
    response = httpx.post(f"{base_url}/api/v1/ingest", json=body, timeout=120)
    assert response.status_code == 200, response.text


def first_id(base_url: str, path: str, **params: Any) -> str:
    response = httpx.get(f"{base_url}{path}", params={"limit": 1, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["items"][0]["id"])
