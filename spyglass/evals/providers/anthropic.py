"""Judges over Anthropic's Messages API."""

from __future__ import annotations

import os
from typing import Any, Mapping

from .base import Message, Provider, ProviderError, Request
from .openai_compat import _message_text


def anthropic_usage(usage: Mapping[str, Any] | None) -> dict[str, int]:
    """Anthropic counts cache reads and writes outside ``input_tokens``; the canonical
    ``prompt_tokens`` includes them (see docs/pricing.md)."""
    if not usage:
        return {}
    read = usage.get("cache_read_input_tokens") or 0
    write = usage.get("cache_creation_input_tokens") or 0
    prompt = (usage.get("input_tokens") or 0) + read + write
    completion = usage.get("output_tokens") or 0
    out = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    if read:
        out["cached_tokens"] = read
    if write:
        out["cache_write_tokens"] = write
    return out


class AnthropicProvider(Provider):
    """``base_url`` defaults to ``$ANTHROPIC_BASE_URL`` or Anthropic's; ``api_key`` to
    ``$ANTHROPIC_API_KEY``. System messages become the ``system`` parameter."""

    provider_name = "anthropic"

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 version: str = "2023-06-01", headers: Mapping[str, str] | None = None, **options: Any) -> None:
        super().__init__(model, **options)
        self.base_url = (base_url or os.environ.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com").rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("ANTHROPIC_API_KEY")
        self.version = version
        self.headers = dict(headers or {})

    def build_request(self, messages: list[Message], json_mode: bool) -> Request:
        system = "\n\n".join(_message_text(m) for m in messages if m.get("role") == "system")
        turns = [{"role": m["role"], "content": _message_text(m)} for m in messages if m.get("role") != "system"]
        body: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "messages": turns}
        if system:
            body["system"] = system
        if self.temperature is not None:
            body["temperature"] = self.temperature
        body.update(self.params)
        headers = {"anthropic-version": self.version, **self.headers}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        url = self.base_url if self.base_url.endswith("/v1") else f"{self.base_url}/v1"
        return Request(f"{url}/messages", headers, body)

    def read_response(self, data: Mapping[str, Any]) -> tuple[str, str | None, dict[str, int]]:
        content = data.get("content")
        if not isinstance(content, list):
            raise ProviderError(f"response without content: {str(data)[:200]}")
        text = "".join(b.get("text", "") for b in content if isinstance(b, Mapping) and b.get("type") == "text")
        return text, data.get("model"), anthropic_usage(data.get("usage"))
