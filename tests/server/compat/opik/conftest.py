"""A live Spyglass server and a real opik SDK client pointed at it (OPIK_URL_OVERRIDE only)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import opik
import pytest
from opik.api_objects import opik_client

from tests.server.compat.otlp_helpers import LiveServer, live_server


@pytest.fixture
def server(settings) -> Iterator[LiveServer]:
    with live_server(settings) as running:
        yield running


@pytest.fixture
def base_url(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"{server.url}/opik/api"
    for name, value in {"OPIK_URL_OVERRIDE": url, "OPIK_ANALYTICS_ENABLE": "false", "OPIK_SENTRY_ENABLE": "false",
                        "OPIK_WORKSPACE": "default", "OPIK_API_KEY": "", "OPIK_CHECK_TLS_CERTIFICATE": "false",
                        "OPIK_BACKGROUND_WORKERS": "1"}.items():
        monkeypatch.setenv(name, value)
    return url


@pytest.fixture
def project() -> str:
    return f"opik-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def sdk(base_url: str, project: str) -> Iterator[opik.Opik]:
    """The SDK client, also the one @track uses."""
    sdk = opik.Opik(project_name=project)
    opik_client.set_global_client(sdk)
    yield sdk
    opik_client.reset_global_client(end_client=False)
    sdk.end(timeout=5)


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    """Spyglass's native API, where the tests check what arrived."""
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def flush(sdk: opik.Opik) -> None:
    """Flush and fail if the SDK dropped anything (a 4xx/5xx from the server counts as dropped)."""
    assert sdk.flush(timeout=30), sdk.last_flush_result
