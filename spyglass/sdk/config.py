"""SDK settings: arguments, then ``SPYGLASS_*`` environment, then the config file, then defaults.

The config file is ``~/.spyglass/config.toml`` (or ``SPYGLASS_CONFIG_FILE``), written by
:func:`configure` — the function behind ``spyglass configure``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_URL = "http://127.0.0.1:7400"
DEFAULT_PROJECT = "default"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Config:
    url: str = DEFAULT_URL
    api_key: str | None = None
    project: str = DEFAULT_PROJECT
    disabled: bool = False


def config_path() -> Path:
    override = os.environ.get("SPYGLASS_CONFIG_FILE")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".spyglass" / "config.toml"


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The settings in the config file; ``{}`` when it is missing or unreadable."""
    path = path or config_path()
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    import tomllib  # only needed when a file exists

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        from ._errors import logger

        logger.warning("Spyglass: ignoring unreadable config file %s", path)
        return {}
    section = doc.get("spyglass", doc)
    return section if isinstance(section, dict) else {}


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def resolve_config(
    url: str | None = None,
    api_key: str | None = None,
    project: str | None = None,
    disabled: bool | None = None,
) -> Config:
    env = os.environ
    file = read_config_file()

    def pick(arg: Any, env_name: str, key: str) -> Any:
        if arg is not None:
            return arg
        value = env.get(env_name)
        if value:
            return value
        return file.get(key)

    off = disabled if disabled is not None else _as_bool(env.get("SPYGLASS_DISABLED"))
    if off is None:
        off = _as_bool(file.get("disabled"))
    return Config(
        url=str(pick(url, "SPYGLASS_URL", "url") or DEFAULT_URL).rstrip("/"),
        api_key=pick(api_key, "SPYGLASS_API_KEY", "api_key") or None,
        project=str(pick(project, "SPYGLASS_PROJECT", "project") or DEFAULT_PROJECT),
        disabled=bool(off),
    )


def configure(
    url: str | None = None,
    api_key: str | None = None,
    project: str | None = None,
    path: Path | str | None = None,
) -> Path:
    """Write (or update) the config file and return its path.

    Values not given keep what the file already had. The file may hold an API key, so it is
    created readable by its owner only.
    """
    target = Path(path).expanduser() if path else config_path()
    current = read_config_file(target)
    updates = {"url": url, "api_key": api_key, "project": project}
    merged = {**current, **{k: v for k, v in updates.items() if v is not None}}
    lines = ["# Spyglass SDK settings, written by `spyglass configure`.", "[spyglass]"]
    for key, value in merged.items():
        lines.append(f"{key} = {_toml_value(value)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(target, 0o600)
    return target


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
