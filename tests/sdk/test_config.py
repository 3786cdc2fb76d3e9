from __future__ import annotations

import stat
from pathlib import Path

import pytest

from spyglass.sdk.config import DEFAULT_URL, configure, read_config_file, resolve_config


def test_defaults() -> None:
    c = resolve_config()
    assert (c.url, c.api_key, c.project, c.disabled) == (DEFAULT_URL, None, "default", False)
    assert DEFAULT_URL == "http://127.0.0.1:7400"


def test_precedence_argument_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = configure(url="http://file:1", api_key="file-key", project="file-proj")
    assert path == tmp_path / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    c = resolve_config()
    assert (c.url, c.api_key, c.project) == ("http://file:1", "file-key", "file-proj")
    monkeypatch.setenv("SPYGLASS_URL", "http://env:2/")
    monkeypatch.setenv("SPYGLASS_PROJECT", "env-proj")
    c = resolve_config()
    assert (c.url, c.api_key, c.project) == ("http://env:2", "file-key", "env-proj")
    c = resolve_config(url="http://arg:3", project="arg-proj", api_key="arg-key")
    assert (c.url, c.api_key, c.project) == ("http://arg:3", "arg-key", "arg-proj")


def test_configure_updates_keep_other_values_and_escape(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "c.toml"
    configure(url="http://a", api_key='we"ird\\key', path=target)
    configure(project="p2", path=target)
    assert read_config_file(target) == {"url": "http://a", "api_key": 'we"ird\\key', "project": "p2"}


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("TRUE", True), ("0", False), ("no", False)])
def test_disabled_env(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("SPYGLASS_DISABLED", value)
    assert resolve_config().disabled is expected
    assert resolve_config(disabled=not expected).disabled is (not expected)


def test_broken_config_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("this is = = not toml")
    assert resolve_config().url == DEFAULT_URL
