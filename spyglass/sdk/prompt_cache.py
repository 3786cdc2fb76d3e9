"""Where fetched prompt versions are kept: in memory for a short time, and on disk so an
application keeps its prompts when the server is down.

Disk entries live in ``$SPYGLASS_CACHE_DIR/prompts`` (default ``~/.cache/spyglass/prompts``),
one JSON file per server, prompt and selector (label, version or commit).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from ._errors import logger

Key = tuple[str, str, str, str | None, int | None, str | None]  # url, key hash, name, label, version, commit


def cache_dir() -> Path:
    root = os.environ.get("SPYGLASS_CACHE_DIR")
    if root:
        return Path(root).expanduser() / "prompts"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "spyglass" / "prompts"


def make_key(url: str, api_key: str | None, name: str, label: str | None, version: int | None,
             commit: str | None) -> Key:
    secret = hashlib.sha256((api_key or "").encode()).hexdigest()[:16]  # never the key itself
    return (url, secret, name, label, version, commit)


class PromptCache:
    def __init__(self) -> None:
        self._memory: dict[Key, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._warned: set[Key] = set()

    def fresh(self, key: Key, ttl: float) -> dict[str, Any] | None:
        """The version fetched less than ``ttl`` seconds ago, if any."""
        with self._lock:
            entry = self._memory.get(key)
        if entry is None or ttl <= 0 or time.monotonic() - entry[0] > ttl:
            return None
        return entry[1]

    def remember(self, key: Key, version: dict[str, Any]) -> None:
        with self._lock:
            self._memory[key] = (time.monotonic(), version)
            self._warned.discard(key)
        try:
            _write(_file(key), {"name": key[2], "saved_at": time.time(), "version": version})
        except OSError as exc:  # a read-only home must not break prompt fetching
            logger.warning("Spyglass: cannot write the prompt cache in %s: %s", cache_dir(), exc)

    def fallback(self, key: Key, reason: BaseException) -> dict[str, Any] | None:
        """The last version seen (memory, else disk) for when the server cannot answer."""
        with self._lock:
            entry = self._memory.get(key)
        version = entry[1] if entry else _read(_file(key))
        if version is not None:
            self._warn_once(key, version, reason)
        return version

    def clear_memory(self) -> None:
        with self._lock:
            self._memory.clear()

    def _warn_once(self, key: Key, version: dict[str, Any], reason: BaseException) -> None:
        with self._lock:
            first = key not in self._warned
            self._warned.add(key)
        if first:
            logger.warning("Spyglass: %s; using the cached prompt %r version %s", reason, key[2],
                           version.get("version"))


def _file(key: Key) -> Path:
    digest = hashlib.sha256(json.dumps(list(key)).encode()).hexdigest()[:32]
    return cache_dir() / f"{digest}.json"


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(doc, default=str), encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


def _read(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = doc.get("version") if isinstance(doc, dict) else None
    return version if isinstance(version, dict) else None


CACHE = PromptCache()
