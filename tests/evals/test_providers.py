"""The judge provider layer against a real local HTTP server."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from spyglass import pricing
from spyglass.evals.providers import (
    AnthropicProvider,
    AzureOpenAIProvider,
    OpenAICompatProvider,
    ProviderError,
    RetryPolicy,
    make_provider,
)
from spyglass.evals.providers.base import retry_after_seconds
from spyglass.sdk import span
from spyglass.sdk.testing import InMemoryExporter

from .aio import run
from .stub_llm import Reply, StubLLM

MESSAGES = [{"role": "system", "content": "Be a judge."}, {"role": "user", "content": "Rate this."}]


def test_openai_call_records_usage_and_cost(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.reply('{"score": 4}', model="gpt-4o-mini-2024-07-18")
    done = judge.complete(MESSAGES)
    assert done.text == '{"score": 4}' and done.model == "gpt-4o-mini-2024-07-18" and done.provider == "openai"
    assert done.usage == {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    assert done.cost == pytest.approx(pricing.compute_cost("gpt-4o-mini", "openai", 100, 20)) and done.cost > 0
    assert done.attempts == 1 and done.latency_ms > 0
    (request,) = stub.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body == {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.0, "max_tokens": 1024,
                            "response_format": {"type": "json_object"}}


def test_reasoning_models_and_extra_params(stub: StubLLM) -> None:
    provider = OpenAICompatProvider("o3-mini", base_url=stub.openai_url, api_key="k", json_mode=False,
                                    params={"seed": 7}, price=(1.0, 2.0))
    stub.reply("ok", usage={"prompt_tokens": 1_000_000, "completion_tokens": 500_000,
                            "prompt_tokens_details": {"cached_tokens": 10}})
    done = provider.complete(MESSAGES)
    body = stub.requests[0].body
    assert "temperature" not in body and body["max_completion_tokens"] == 1024 and body["seed"] == 7
    assert "response_format" not in body
    assert done.usage["cached_tokens"] == 10
    assert done.cost == pytest.approx(1.0 + 1.0)  # the price override wins over the table


def test_unknown_model_has_unknown_cost(stub: StubLLM) -> None:
    provider = OpenAICompatProvider("my-local-llama", base_url=stub.openai_url, provider_name="vllm")
    stub.reply("ok")
    done = provider.complete(MESSAGES)
    assert done.cost is None and done.provider == "vllm"
    assert "authorization" not in stub.requests[0].headers


def test_anthropic_messages_api(stub: StubLLM) -> None:
    provider = AnthropicProvider("claude-3-5-haiku-20241022", base_url=stub.url, api_key="sk-ant")
    stub.reply('{"score": 5}')
    done = provider.complete([*MESSAGES, {"role": "assistant", "content": "{"}, {"role": "user", "content": "again"}])
    (request,) = stub.requests
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant" and request.headers["anthropic-version"] == "2023-06-01"
    assert request.body["system"] == "Be a judge."
    assert [m["role"] for m in request.body["messages"]] == ["user", "assistant", "user"]
    assert done.text == '{"score": 5}' and done.provider == "anthropic"
    # input 90 + cache read 10: the canonical prompt_tokens includes the cached tokens
    assert done.usage == {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120, "cached_tokens": 10}
    assert done.cost == pytest.approx(pricing.compute_cost("claude-3-5-haiku", "anthropic", 100, 20, 10))


def test_azure_deployment_url_and_key(stub: StubLLM) -> None:
    provider = AzureOpenAIProvider("judge-deploy", endpoint=stub.url, api_key="az-key", api_version="2024-10-21")
    stub.reply("ok", model="gpt-4o-2024-08-06")
    done = provider.complete(MESSAGES)
    (request,) = stub.requests
    assert request.path == "/openai/deployments/judge-deploy/chat/completions?api-version=2024-10-21"
    assert request.headers["api-key"] == "az-key" and "authorization" not in request.headers
    assert done.provider == "azure" and done.cost == pytest.approx(pricing.compute_cost("gpt-4o", None, 100, 20))


def test_429_waits_for_retry_after(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.reply(status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "1"})
    stub.reply("fine")
    started = time.monotonic()
    done = judge.complete(MESSAGES)
    assert done.text == "fine" and done.attempts == 2
    gap = stub.requests[1].at - stub.requests[0].at
    assert gap >= 0.95 and time.monotonic() - started < 5


def test_retry_after_ms_and_5xx_and_bad_bodies_are_retried(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.reply(status=429, body={}, headers={"retry-after-ms": "300"})
    stub.reply(status=503, body={"error": "overloaded"})
    stub.reply(raw=b"<html>proxy error</html>")
    stub.reply("ok")
    judge.retry = RetryPolicy(max_retries=3, backoff=0.01)
    done = judge.complete(MESSAGES)
    assert done.text == "ok" and done.attempts == 4
    assert stub.requests[1].at - stub.requests[0].at >= 0.28


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert 9 < retry_after_seconds({"retry-after": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                                 time.gmtime(time.time() + 11))}) <= 11
    assert retry_after_seconds({"retry-after": "soon"}) is None and retry_after_seconds({}) is None
    assert RetryPolicy(max_retry_after=5).delay(1, 3600) == 5
    assert 0.25 <= RetryPolicy(backoff=0.5).delay(1, None) <= 0.5


def test_giving_up_after_retries(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.responder = lambda body: Reply(status=500, body={"error": "down"})
    with pytest.raises(ProviderError, match=r"HTTP 500.*after 3 attempts") as info:
        judge.complete(MESSAGES)
    assert info.value.status == 500 and len(stub.requests) == 3


def test_client_errors_are_not_retried(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.reply(status=401, body={"error": {"message": "bad key"}})
    with pytest.raises(ProviderError, match="HTTP 401.*bad key"):
        judge.complete(MESSAGES)
    assert len(stub.requests) == 1


def test_timeouts_are_retried_then_reported(stub: StubLLM) -> None:
    provider = OpenAICompatProvider("gpt-4o-mini", base_url=stub.openai_url, timeout=0.2,
                                    retry=RetryPolicy(max_retries=1, backoff=0.01))
    stub.reply("late", delay=1.0).reply("late again", delay=1.0)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"timed out after 0.2 s \(after 2 attempts\)"):
        provider.complete(MESSAGES)
    assert len(stub.requests) == 2 and time.monotonic() - started < 1.5


def test_a_slow_answer_within_the_timeout_succeeds(stub: StubLLM) -> None:
    provider = OpenAICompatProvider("gpt-4o-mini", base_url=stub.openai_url, timeout=2, max_retries=0)
    stub.reply("late", delay=0.3)
    assert provider.complete(MESSAGES).text == "late"


def _slow_responder(body: dict) -> Reply:
    return Reply("ok", delay=0.15)


def test_concurrency_limit_holds_across_threads(stub: StubLLM) -> None:
    provider = OpenAICompatProvider("gpt-4o-mini", base_url=stub.openai_url, max_concurrency=2)
    stub.responder = _slow_responder
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: provider.complete(MESSAGES).text, range(6)))
    assert results == ["ok"] * 6 and stub.max_in_flight == 2


def test_concurrency_limit_holds_for_async_callers(stub: StubLLM) -> None:
    provider = OpenAICompatProvider("gpt-4o-mini", base_url=stub.openai_url, max_concurrency=3)
    stub.responder = _slow_responder

    async def main() -> list[str]:
        done = await asyncio.gather(*(provider.acomplete(MESSAGES) for _ in range(7)))
        return [d.text for d in done]

    assert run(main()) == ["ok"] * 7 and stub.max_in_flight == 3


def test_async_path_retries_too(stub: StubLLM, judge: OpenAICompatProvider) -> None:
    stub.reply(status=429, body={}, headers={"retry-after": "0.2"}).reply("ok")
    done = run(judge.acomplete(MESSAGES))
    assert done.text == "ok" and done.attempts == 2


def test_every_call_is_an_llm_span(stub: StubLLM, judge: OpenAICompatProvider, traced: InMemoryExporter) -> None:
    stub.reply('{"score": 1}')
    with span("experiment-item") as parent:
        done = judge.complete(MESSAGES, name="judge.usefulness", metadata={"metric": "usefulness"})
    llm, root = traced.spans
    assert llm["name"] == "judge.usefulness" and llm["type"] == "llm" and llm["parent_span_id"] == root["id"]
    assert llm["model"] == "gpt-4o-mini" and llm["provider"] == "openai"
    assert llm["usage"] == {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    assert llm["cost"] == pytest.approx(done.cost)
    assert llm["input"] == {"messages": MESSAGES} and llm["output"]["content"] == '{"score": 1}'
    assert llm["metadata"] == {"judge": True, "metric": "usefulness", "attempts": 1}
    assert done.trace_id == parent.trace_id and done.span_id == llm["id"]


def test_failed_calls_are_traced_with_their_error(stub: StubLLM, judge: OpenAICompatProvider,
                                                  traced: InMemoryExporter) -> None:
    stub.reply(status=400, body={"error": "bad request"})
    with pytest.raises(ProviderError):
        judge.complete(MESSAGES)
    (llm,) = traced.spans
    assert llm["type"] == "llm" and "HTTP 400" in str(llm["error"])


def test_tracing_can_be_turned_off_and_has_a_project(stub: StubLLM, traced: InMemoryExporter) -> None:
    quiet = OpenAICompatProvider("gpt-4o-mini", base_url=stub.openai_url, trace=False)
    loud = OpenAICompatProvider("gpt-4o-mini", base_url=stub.openai_url, trace_project="spyglass-judges")
    stub.replies("a", "b")
    assert quiet.complete(MESSAGES).trace_id is None
    assert loud.complete(MESSAGES).trace_id
    (trace,) = traced.traces
    assert trace["project"] == "spyglass-judges"


def test_make_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPYGLASS_JUDGE_MODEL", raising=False)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "http://127.0.0.1:9")
    assert isinstance(make_provider("anthropic/claude-sonnet-4-5"), AnthropicProvider)
    assert make_provider("claude-3-5-haiku").model == "claude-3-5-haiku"
    assert isinstance(make_provider("azure/my-deploy"), AzureOpenAIProvider)
    ollama = make_provider("ollama/llama3.1")
    assert ollama.provider_name == "ollama" and ollama.base_url == "http://localhost:11434/v1"
    vllm = make_provider("meta-llama/Llama-3.1-8B-Instruct", base_url="http://127.0.0.1:8000/v1")
    assert isinstance(vllm, OpenAICompatProvider) and vllm.model == "meta-llama/Llama-3.1-8B-Instruct"
    assert make_provider().model == "gpt-4o-mini"
    monkeypatch.setenv("SPYGLASS_JUDGE_MODEL", "openai/gpt-4.1-mini")
    assert make_provider().model == "gpt-4.1-mini"
    assert make_provider("gpt-4o", timeout=5) is make_provider("gpt-4o", timeout=5)
    assert make_provider("gpt-4o", timeout=5) is not make_provider("gpt-4o", timeout=6)
    given = OpenAICompatProvider("x")
    assert make_provider(given) is given
