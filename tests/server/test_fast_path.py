"""The ingest endpoints skip FastAPI's middleware, so they answer failures themselves."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from spyglass.server.errors import Overloaded

BODY = {"spans": [{"id": "s1", "trace_id": "t1", "name": "step"}]}


@pytest.mark.parametrize("raised, status, retry_after", [
    (Overloaded(retry_after=2), 429, "2"),
    (OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error")), 503, "5"),
    (RuntimeError("boom"), 500, None),
])
def test_failures_get_an_answer_not_a_dropped_connection(client, monkeypatch, caplog, raised, status, retry_after):
    def fail(work, waiter):
        raise raised

    monkeypatch.setattr(client.app.state.store.writer, "_enqueue", fail)  # where a full queue raises
    with caplog.at_level(logging.WARNING, logger="spyglass"):
        response = client.post("/api/v1/ingest", json=BODY)
    assert response.status_code == status
    assert response.headers.get("retry-after") == retry_after
    assert response.json()["error"]
    if status == 500:
        assert "boom" in caplog.text  # logged with its traceback
        assert response.json() == {"error": "internal error"}


def test_other_methods_and_paths_still_route_through_fastapi(client):
    assert client.get("/api/v1/ingest").status_code == 405
    assert client.post("/api/v1/ingest", json=BODY).status_code == 200
    assert "/api/v1/ingest" in client.get("/openapi.json").json()["paths"]
