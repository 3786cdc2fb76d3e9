from __future__ import annotations

from collections.abc import Iterator

import pytest

from spyglass.evals.providers import OpenAICompatProvider, RetryPolicy
from spyglass.sdk.testing import InMemoryExporter, capture

from .stub_llm import StubLLM


@pytest.fixture(autouse=True)
def traced() -> Iterator[InMemoryExporter]:
    """Every test records its spans in memory: judge calls are traced, and nothing leaves the machine."""
    with capture("evals-tests") as exporter:
        yield exporter


@pytest.fixture
def stub() -> Iterator[StubLLM]:
    server = StubLLM()
    yield server
    server.close()


@pytest.fixture
def judge(stub: StubLLM) -> Iterator[OpenAICompatProvider]:
    """A judge on the stub with quick retries."""
    provider = OpenAICompatProvider("gpt-4o-mini", base_url=stub.openai_url, api_key="sk-test", timeout=5,
                                    retry=RetryPolicy(max_retries=2, backoff=0.01))
    yield provider
    provider.close()
