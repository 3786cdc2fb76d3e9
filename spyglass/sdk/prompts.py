"""Prompts: versioned templates (text or chat, mustache or jinja2) fetched from the prompt library.

Formatting a prompt inside a traced span records which version was used in the span's
metadata (``"prompts": [{name, version, commit, id}]``), so a trace links to its prompts.
"""

from __future__ import annotations

import json
from typing import Any

from . import templates
from ._errors import internal_errors
from .context import CURRENT
from .prompt_cache import CACHE, make_key
from .rest import Rest, SpyglassAPIError, segment
from .updates import merge_metadata

DEFAULT_CACHE_TTL = 60.0


class Prompt:
    """One version of a prompt. ``format(**values)`` renders it: a string for a text prompt,
    a list of ``{"role", "content"}`` messages for a chat prompt."""

    def __init__(self, version: dict[str, Any]) -> None:
        self.info = version
        self.id: str = version["id"]
        self.name: str = version["name"]
        self.version: int = int(version["version"])
        self.commit: str = version.get("commit") or ""
        self.type: str = version.get("type") or "mustache"
        self.template_structure: str = version.get("template_structure") or "text"
        self.metadata: dict[str, Any] = version.get("metadata") or {}
        self.labels: list[str] = list(version.get("labels") or [])
        self.change_description: str | None = version.get("change_description")
        template = version.get("template")
        if self.template_structure == "chat" and isinstance(template, str):
            template = json.loads(template)
        self.template: Any = template

    def __repr__(self) -> str:
        return f"Prompt(name={self.name!r}, version={self.version}, commit={self.commit!r})"

    @property
    def variables(self) -> list[str]:
        """The names ``format`` needs, in order of first use."""
        if self.template_structure == "chat":
            return templates.messages_variables(self.template, self.type)
        return templates.variables(self.template, self.type)

    def format(self, **values: Any) -> Any:
        """The template with ``values`` filled in; a missing variable raises
        :class:`~spyglass.sdk.templates.MissingVariableError` naming it."""
        if self.template_structure == "chat":
            result: Any = templates.render_messages(self.template, values, self.type)
        else:
            result = templates.render(self.template, values, self.type)
        record_use(self)
        return result

    def link(self) -> dict[str, Any]:
        """``{name, version, commit, id}``: how traces and experiments refer to this version."""
        return {"name": self.name, "version": self.version, "commit": self.commit, "id": self.id}


def record_use(prompt: Prompt) -> None:
    """Add the prompt version to the current span's metadata ``prompts`` list (or the trace's,
    under a manual trace); tracing never raises into the caller."""
    with internal_errors("prompt.link"):
        current = CURRENT.get()
        if current is None:
            return
        target: Any = current.trace if current.anchor else current
        used = list((target.metadata or {}).get("prompts") or [])
        link = prompt.link()
        if link not in used:
            target.metadata = merge_metadata(target.metadata, {"prompts": [*used, link]})


class PromptMethods:
    """The prompt half of :class:`spyglass.Client`."""

    _rest: Rest
    config: Any

    def create_prompt(
        self,
        name: str,
        template: str | list[dict[str, Any]],
        *,
        template_structure: str | None = None,
        type: str = "mustache",
        metadata: dict[str, Any] | None = None,
        change_description: str | None = None,
        labels: list[str] | None = None,
        description: str | None = None,
        tags: list[str] | None = None,
    ) -> Prompt:
        """Add a version to prompt ``name`` (creating the prompt). A template equal to the
        latest version's returns that version. A list of messages makes a chat prompt."""
        structure = template_structure or ("chat" if isinstance(template, list) else "text")
        body = {"name": name, "template": template, "template_structure": structure, "type": type,
                "metadata": metadata, "change_description": change_description, "labels": labels,
                "description": description, "tags": tags}
        answer = self._rest.post("/api/v1/prompts", {k: v for k, v in body.items() if v is not None})
        return Prompt(answer["version"])

    def get_prompt(self, name: str, *, label: str | None = None, version: int | None = None,
                   commit: str | None = None, cache_ttl: float = DEFAULT_CACHE_TTL) -> Prompt:
        """A prompt version: the given ``label``, ``version`` or ``commit``, else the version
        labelled ``production``, else the latest.

        Answers are cached in memory for ``cache_ttl`` seconds and on disk; when the server
        cannot be reached the last version seen is returned (``SpyglassAPIError`` if none).
        """
        key = make_key(self._rest.url, self.config.api_key, name, label, version, commit)
        cached = CACHE.fresh(key, cache_ttl)
        if cached is not None:
            return Prompt(cached)
        try:
            found = self._rest.get(f"/api/v1/prompts/{segment(name)}/resolve", label=label, version=version,
                                   commit=commit)
        except SpyglassAPIError as exc:
            stale = CACHE.fallback(key, exc) if exc.unreachable else None
            if stale is None:
                raise
            return Prompt(stale)
        CACHE.remember(key, found)
        return Prompt(found)

    def get_prompt_versions(self, name: str) -> list[Prompt]:
        """Every version of a prompt, newest first."""
        answer = self._rest.get(f"/api/v1/prompts/{segment(name)}/versions") or {}
        return [Prompt(v) for v in answer.get("items") or []]

    def list_prompts(self, name_contains: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Prompts with their latest version number and labels."""
        return self._rest.pages("/api/v1/prompts", limit, name_contains=name_contains)

    def set_prompt_label(self, name: str, label: str, version: int) -> None:
        """Point ``label`` (e.g. ``production``) at a version; it leaves the version that had it."""
        self._rest.post(f"/api/v1/prompts/{segment(name)}/labels", {"label": label, "version": version})

    def delete_prompt(self, name: str) -> None:
        self._rest.delete(f"/api/v1/prompts/{segment(name)}")

