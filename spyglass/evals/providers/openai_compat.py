"""Judges over the OpenAI chat-completions API: OpenAI, Azure OpenAI, and any server that
speaks it (vLLM, Ollama, LiteLLM, LM Studio, ...) through ``base_url``."""

from __future__ import annotations

import os
import re
from typing import Any, Mapping

from .base import Message, Provider, ProviderError, Request

# Reasoning models take max_completion_tokens and only their default temperature.
_REASONING = re.compile(r"^(?:.*/)?(?:o\d|gpt-5)")


def openai_usage(usage: Mapping[str, Any] | None) -> dict[str, int]:
    if not usage:
        return {}
    out = {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens") if usage.get(k) is not None}
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached:
        out["cached_tokens"] = cached
    return out


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    if content is None:
        return message.get("refusal") or ""
    return str(content)


class OpenAICompatProvider(Provider):
    """``base_url`` defaults to ``$OPENAI_BASE_URL`` or OpenAI's; ``api_key`` to
    ``$OPENAI_API_KEY``. ``json_mode`` asks for a JSON object (``response_format``); turn it
    off for servers that do not support it. ``provider_name`` names the service in traces
    and picks prices (``"vllm"``, ``"ollama"``, ...)."""

    provider_name = "openai"

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 headers: Mapping[str, str] | None = None, json_mode: bool = True,
                 provider_name: str | None = None, **options: Any) -> None:
        super().__init__(model, **options)
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1").rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.headers = dict(headers or {})
        self.json_mode = json_mode
        if provider_name:
            self.provider_name = provider_name

    def endpoint(self) -> str:
        return f"{self.base_url}/chat/completions"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def build_request(self, messages: list[Message], json_mode: bool) -> Request:
        body: dict[str, Any] = {"model": self.model, "messages": [dict(m) for m in messages]}
        reasoning = bool(_REASONING.match(self.model))
        if self.temperature is not None and not reasoning:
            body["temperature"] = self.temperature
        body["max_completion_tokens" if reasoning else "max_tokens"] = self.max_tokens
        if json_mode and self.json_mode:
            body["response_format"] = {"type": "json_object"}
        body.update(self.params)
        return Request(self.endpoint(), {**self.auth_headers(), **self.headers}, body)

    def read_response(self, data: Mapping[str, Any]) -> tuple[str, str | None, dict[str, int]]:
        choices = data.get("choices")
        if not choices or not isinstance(choices[0], Mapping):
            raise ProviderError(f"response without choices: {str(data)[:200]}")
        return _message_text(choices[0].get("message") or {}), data.get("model"), openai_usage(data.get("usage"))


class AzureOpenAIProvider(OpenAICompatProvider):
    """Azure OpenAI by deployment: ``endpoint`` defaults to ``$AZURE_OPENAI_ENDPOINT``,
    ``api_key`` to ``$AZURE_OPENAI_API_KEY``, ``api_version`` to ``$OPENAI_API_VERSION``.
    ``model`` (for prices and traces) defaults to the deployment name; the model Azure
    reports in its answer is used when present."""

    provider_name = "azure"

    def __init__(self, deployment: str, *, endpoint: str | None = None, api_key: str | None = None,
                 api_version: str | None = None, model: str | None = None, **options: Any) -> None:
        endpoint = endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT") or ""
        if not endpoint:
            raise ValueError("AzureOpenAIProvider needs endpoint= or $AZURE_OPENAI_ENDPOINT")
        key = api_key if api_key is not None else os.environ.get("AZURE_OPENAI_API_KEY")
        super().__init__(model or deployment, base_url=endpoint, api_key=key, **options)
        self.deployment = deployment
        self.api_version = api_version or os.environ.get("OPENAI_API_VERSION") or "2024-10-21"

    def endpoint(self) -> str:
        return (f"{self.base_url}/openai/deployments/{self.deployment}/chat/completions"
                f"?api-version={self.api_version}")

    def auth_headers(self) -> dict[str, str]:
        return {"api-key": self.api_key} if self.api_key else {}
