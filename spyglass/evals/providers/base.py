"""The judge model layer: one chat call with timeouts, retries, a concurrency limit, usage,
cost and a trace span.

Subclasses say how to build a request and read a response (:mod:`.openai_compat`,
:mod:`.anthropic`); everything else lives here, shared by the sync and async paths.
A provider is safe to share between threads and event loops.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Mapping

import httpx

from ... import pricing
from ...sdk import span
from .limits import Limiter

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})
Message = Mapping[str, Any]


class ProviderError(Exception):
    """A judge call that failed for good (after retries, or at once for a 4xx)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


@dataclass(slots=True)
class Request:
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(slots=True)
class Completion:
    """What a judge model answered, and what it cost."""

    text: str
    model: str
    provider: str
    usage: dict[str, int] = field(default_factory=dict)
    cost: float | None = None
    latency_ms: float = 0.0
    attempts: int = 1
    trace_id: str | None = None
    span_id: str | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries of 429/5xx answers, timeouts and dropped connections.

    The wait honours ``Retry-After`` / ``retry-after-ms`` (capped at ``max_retry_after``),
    else grows exponentially from ``backoff`` with jitter, up to ``max_backoff``.
    """

    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 20.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        base = min(self.backoff * (2 ** (attempt - 1)), self.max_backoff)
        return base * (0.5 + random.random() / 2)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms``, or ``Retry-After`` as seconds or an HTTP date."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


@dataclass(slots=True)
class _Retry:
    error: ProviderError
    wait: float | None  # the server's Retry-After, if it gave one


def _excerpt(response: httpx.Response) -> str:
    try:
        text = response.text
    except Exception:
        return ""
    return " ".join(text.split())[:300]


class Provider:
    """Base of the judge providers. ``price`` overrides the price table for self-hosted or
    unlisted models: ``(input, output)`` USD per 1M tokens (``(0, 0)`` for a free local model)."""

    provider_name = "openai"

    def __init__(
        self, model: str, *, timeout: float = 60.0, max_retries: int = 3, max_concurrency: int = 8,
        retry: RetryPolicy | None = None, price: tuple[float, float] | None = None,
        temperature: float | None = 0.0, max_tokens: int = 1024, params: Mapping[str, Any] | None = None,
        trace: bool = True, trace_project: str | None = None,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self.retry = retry or RetryPolicy(max_retries=max_retries)
        self.limiter = Limiter(max_concurrency)
        self.price = price
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.params = dict(params or {})
        self.trace = trace
        self.trace_project = trace_project
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    # --- what subclasses provide ---------------------------------------------------------

    def build_request(self, messages: list[Message], json_mode: bool) -> Request:
        raise NotImplementedError

    def read_response(self, data: Mapping[str, Any]) -> tuple[str, str | None, dict[str, int]]:
        """(text, model, usage in the canonical convention) from a response body."""
        raise NotImplementedError

    # --- one call ------------------------------------------------------------------------

    def complete(self, messages: list[Message], *, json_mode: bool = True, name: str = "judge",
                 metadata: Mapping[str, Any] | None = None) -> Completion:
        request = self.build_request(list(messages), json_mode)
        with self._span(name, messages, metadata) as s:
            started = time.perf_counter()
            data, attempts = self._send(request)
            return self._finish(s, data, attempts, started)

    async def acomplete(self, messages: list[Message], *, json_mode: bool = True, name: str = "judge",
                        metadata: Mapping[str, Any] | None = None) -> Completion:
        request = self.build_request(list(messages), json_mode)
        async with self._span(name, messages, metadata) as s:
            started = time.perf_counter()
            data, attempts = await self._asend(request)
            return self._finish(s, data, attempts, started)

    def _span(self, name: str, messages: list[Message], metadata: Mapping[str, Any] | None) -> Any:
        if not self.trace:
            return _NoSpan()
        meta = {"judge": True, **(metadata or {})}
        return span(name, type="llm", project=self.trace_project, input={"messages": list(messages)},
                    model=self.model, provider=self.provider_name, metadata=meta)

    def _finish(self, s: Any, data: Mapping[str, Any], attempts: int, started: float) -> Completion:
        text, model, usage = self.read_response(data)
        done = Completion(text, model or self.model, self.provider_name, usage, self.cost(model or self.model, usage),
                          round((time.perf_counter() - started) * 1000, 3), attempts)
        s.update(output={"role": "assistant", "content": text}, model=done.model, usage=usage or None,
                 cost=done.cost, metadata={"attempts": attempts})
        done.trace_id, done.span_id = s.trace_id or None, s.id or None
        return done

    def cost(self, model: str, usage: Mapping[str, int]) -> float | None:
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if self.price is not None:
            if prompt is None and completion is None:
                return None
            return ((prompt or 0) * self.price[0] + (completion or 0) * self.price[1]) / 1_000_000
        return pricing.compute_cost(model, self.provider_name, prompt, completion,
                                    usage.get("cached_tokens", 0), usage.get("cache_write_tokens", 0))

    # --- HTTP with retries ---------------------------------------------------------------

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout)
            return self._client

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _judge(self, response: httpx.Response) -> dict[str, Any] | _Retry:
        """The parsed body of a good answer, a retry for 429/5xx; raises for other errors."""
        status = response.status_code
        if status in RETRY_STATUSES:
            error = ProviderError(f"HTTP {status}: {_excerpt(response)}", status=status, retryable=True)
            return _Retry(error, retry_after_seconds(response.headers))
        if status >= 400:
            raise ProviderError(f"HTTP {status}: {_excerpt(response)}", status=status)
        try:
            data = response.json()
        except ValueError:
            return _Retry(ProviderError(f"HTTP {status} with a body that is not JSON: {_excerpt(response)}",
                                        status=status, retryable=True), None)
        if not isinstance(data, dict):
            raise ProviderError(f"unexpected response body: {_excerpt(response)}", status=status)
        return data

    def _transport_failure(self, exc: httpx.HTTPError) -> _Retry:
        if isinstance(exc, httpx.TimeoutException):
            return _Retry(ProviderError(f"timed out after {self.timeout:g} s", retryable=True), None)
        return _Retry(ProviderError(f"{type(exc).__name__}: {exc}", retryable=True), None)

    def _give_up(self, failure: _Retry, attempt: int) -> ProviderError:
        failure.error.args = (f"{failure.error.args[0]} (after {attempt} attempt{'s' if attempt > 1 else ''})",)
        return failure.error

    def _send(self, request: Request) -> tuple[dict[str, Any], int]:
        client = self._http()
        for attempt in range(1, self.retry.max_retries + 2):
            try:
                with self.limiter:
                    outcome = self._judge(client.post(request.url, headers=request.headers, json=request.body))
            except httpx.HTTPError as exc:
                outcome = self._transport_failure(exc)
            if not isinstance(outcome, _Retry):
                return outcome, attempt
            if attempt > self.retry.max_retries:
                raise self._give_up(outcome, attempt)
            time.sleep(self.retry.delay(attempt, outcome.wait))
        raise AssertionError("unreachable")

    async def _asend(self, request: Request) -> tuple[dict[str, Any], int]:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            for attempt in range(1, self.retry.max_retries + 2):
                try:
                    async with self.limiter:
                        response = await client.post(request.url, headers=request.headers, json=request.body)
                        outcome = self._judge(response)
                except httpx.HTTPError as exc:
                    outcome = self._transport_failure(exc)
                if not isinstance(outcome, _Retry):
                    return outcome, attempt
                if attempt > self.retry.max_retries:
                    raise self._give_up(outcome, attempt)
                await asyncio.sleep(self.retry.delay(attempt, outcome.wait))
        raise AssertionError("unreachable")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r})"


class _NoSpan:
    """Stands in for a trace span when a provider is built with ``trace=False``."""

    id = ""
    trace_id = ""

    def __enter__(self) -> _NoSpan:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    async def __aenter__(self) -> _NoSpan:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    def update(self, **fields: Any) -> None:
        return None
