"""Judge model providers and :func:`make_provider`, which turns a model string into one.

Model strings: ``"gpt-4o-mini"`` or ``"openai/gpt-4o-mini"`` (OpenAI-compatible, honouring
``$OPENAI_BASE_URL``), ``"anthropic/claude-sonnet-4-5"`` (or any ``claude-*``),
``"azure/<deployment>"``, ``"ollama/<model>"`` (``$OLLAMA_BASE_URL``, default
``http://localhost:11434/v1``). With no model, ``$SPYGLASS_JUDGE_MODEL`` (default
``gpt-4o-mini``). The same string and options give the same provider object, so metrics
that name one model share its connection pool and concurrency limit.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from .anthropic import AnthropicProvider
from .base import Completion, Provider, ProviderError, RetryPolicy
from .openai_compat import AzureOpenAIProvider, OpenAICompatProvider

__all__ = [
    "AnthropicProvider",
    "AzureOpenAIProvider",
    "Completion",
    "OpenAICompatProvider",
    "Provider",
    "ProviderError",
    "RetryPolicy",
    "make_provider",
]

DEFAULT_JUDGE_MODEL = "gpt-4o-mini"

_ENV = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_API_KEY", "OPENAI_API_VERSION", "OLLAMA_BASE_URL")
_cache: dict[Any, Provider] = {}
_cache_lock = threading.Lock()


def _build(spec: str, options: dict[str, Any]) -> Provider:
    prefix, _, rest = spec.partition("/")
    kind = prefix.lower() if rest else ""
    if kind == "anthropic" or (not kind and spec.startswith("claude")):
        return AnthropicProvider(rest or spec, **options)
    if kind == "azure":
        return AzureOpenAIProvider(rest, **options)
    if kind == "ollama":
        options.setdefault("base_url", os.environ.get("OLLAMA_BASE_URL") or "http://localhost:11434/v1")
        options.setdefault("api_key", "ollama")
        options.setdefault("provider_name", "ollama")
        return OpenAICompatProvider(rest, **options)
    if kind == "openai":
        return OpenAICompatProvider(rest, **options)
    return OpenAICompatProvider(spec, **options)  # vLLM and friends name models with slashes


def make_provider(model: str | Provider | None = None, **options: Any) -> Provider:
    """A provider for ``model`` (see the module doc); a Provider passes through unchanged."""
    if isinstance(model, Provider):
        return model
    spec = model or os.environ.get("SPYGLASS_JUDGE_MODEL") or DEFAULT_JUDGE_MODEL
    try:
        key: Any = (spec, tuple(sorted(options.items())), tuple(os.environ.get(n) for n in _ENV))
        hash(key)
    except TypeError:  # unhashable options (a dict of headers): no sharing
        return _build(spec, dict(options))
    with _cache_lock:
        provider = _cache.get(key)
        if provider is None:
            provider = _cache[key] = _build(spec, dict(options))
        return provider
