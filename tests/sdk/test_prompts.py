"""Prompts through the SDK against a real server: versions, labels, the cache when the server
is down, and traces linked to the prompt versions they formatted."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import spyglass.sdk as sg
from spyglass.sdk.prompt_cache import CACHE

from .live import Server, api, cache_dir, server  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]


def test_versions_labels_and_resolution(api: sg.Client) -> None:
    v1 = api.create_prompt("greet", "Hello {{name}}", change_description="first")
    assert (v1.name, v1.version, v1.template_structure, v1.type) == ("greet", 1, "text", "mustache")
    assert len(v1.commit) == 8 and v1.variables == ["name"]
    assert api.create_prompt("greet", "Hello {{name}}").id == v1.id  # same as latest: no new version
    v2 = api.create_prompt("greet", "Hi {{name}}, {{mood}}?", labels=["staging"])
    assert v2.version == 2 and v2.labels == ["staging"]

    assert api.get_prompt("greet", cache_ttl=0).version == 2  # latest: no production label yet
    api.set_prompt_label("greet", "production", 1)
    assert api.get_prompt("greet", cache_ttl=0).format(name="Ann") == "Hello Ann"
    assert api.get_prompt("greet", label="staging").version == 2
    assert api.get_prompt("greet", version=2).format(name="Ann", mood="ok") == "Hi Ann, ok?"
    assert api.get_prompt("greet", commit=v1.commit).id == v1.id
    assert [p.version for p in api.get_prompt_versions("greet")] == [2, 1]
    assert [p["name"] for p in api.list_prompts()] == ["greet"]
    with pytest.raises(sg.SpyglassAPIError) as info:
        api.get_prompt("greet", label="canary")
    assert info.value.status == 404


def test_chat_and_jinja2_prompts(api: sg.Client) -> None:
    messages = [{"role": "system", "content": "You are {{ persona }}."},
                {"role": "user", "content": "{% for d in docs %}{{ d }};{% endfor %} {{ question }}"}]
    created = api.create_prompt("qa", messages, type="jinja2")
    assert created.template_structure == "chat"
    fetched = api.get_prompt("qa")
    assert fetched.template == messages and fetched.variables == ["persona", "docs", "question"]
    assert fetched.format(persona="terse", docs=["a", "b"], question="why?") == [
        {"role": "system", "content": "You are terse."}, {"role": "user", "content": "a;b; why?"}]
    with pytest.raises(sg.MissingVariableError, match="'question'"):
        fetched.format(persona="terse", docs=[])


def test_cache_serves_prompts_while_the_server_is_down(api: sg.Client, server: Server, cache_dir: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    api.create_prompt("sys", "You are {{role}}.")
    assert api.get_prompt("sys").version == 1
    api.create_prompt("sys", "You are a {{role}}.")
    assert api.get_prompt("sys").version == 1  # within the TTL: from memory
    assert api.get_prompt("sys", cache_ttl=0).version == 2
    assert list((cache_dir / "prompts").glob("*.json"))

    server.stop()
    CACHE.clear_memory()  # as after an application restart: only the disk remains
    with caplog.at_level(logging.WARNING, logger="spyglass.sdk"):
        for _ in range(3):
            assert api.get_prompt("sys", cache_ttl=0).format(role="pirate") == "You are a pirate."
    warnings = [r.getMessage() for r in caplog.records if "cached prompt" in r.getMessage()]
    assert len(warnings) == 1 and "'sys'" in warnings[0]
    with pytest.raises(sg.SpyglassAPIError) as info:
        api.get_prompt("never-fetched")
    assert info.value.status == 0

    # A new process (the application restarted while the server is still down) reads the disk cache.
    code = f"""
        import spyglass.sdk as sg
        print(sg.Client(url={api.config.url!r}).get_prompt("sys").format(role="cat"))
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SPYGLASS_CACHE_DIR": str(cache_dir)}
    env.pop("PYTEST_VERSION", None)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "You are a cat." and "cached prompt 'sys' version 2" in proc.stderr


def test_a_deleted_prompt_is_not_served_from_the_cache(api: sg.Client) -> None:
    api.create_prompt("gone", "x")
    api.get_prompt("gone")
    api.delete_prompt("gone")
    with pytest.raises(sg.SpyglassAPIError) as info:
        api.get_prompt("gone", cache_ttl=0)
    assert info.value.status == 404


def test_formatting_inside_a_span_links_the_trace_to_the_version(api: sg.Client, server: Server,
                                                                  tracing: object) -> None:
    tracing(server.url, project="linked")  # type: ignore[operator]
    prompt = api.create_prompt("summarize", "Summarize: {{text}}")
    other = api.create_prompt("tone", "Be {{tone}}.")

    @sg.track(type="llm")
    def summarize(text: str) -> str:
        prompt.format(text=text)
        prompt.format(text=text)  # listed once
        other.format(tone="brief")
        return text[:5]

    summarize("a long text")
    with api.trace("manual", project="linked") as handle:
        other.format(tone="calm")
    prompt.format(text="outside any span")  # nothing to link, nothing raised
    assert sg.flush(5).ok and api.flush(5).ok

    (span,) = api.search_spans('name = "summarize"', project="linked")
    assert span["metadata"]["prompts"] == [prompt.link(), other.link()]
    manual = api.get_trace(handle.id)["trace"]
    assert manual["metadata"]["prompts"] == [other.link()]
