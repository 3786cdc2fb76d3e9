"""Every server setting, declared once.

Precedence: CLI flag -> environment variable (SPYGLASS_<NAME>) -> default. The CLI, `--help`
and docs/configuration.md are all derived from SETTINGS, and a test checks the docs list them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def default_db_url() -> str:
    return f"sqlite:///{Path.home() / '.spyglass' / 'spyglass.db'}"


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return f"SPYGLASS_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting("db_url", str, None, "Database URL: sqlite:///path/file.db or postgresql+psycopg://user@host/db "
            "(default: sqlite:///~/.spyglass/spyglass.db)."),
    Setting("host", str, "127.0.0.1", "Address the HTTP server binds to."),
    Setting("port", int, 7400, "Port of the HTTP server (API, UI, OTLP/HTTP)."),
    Setting("workers", int, 1, "Server processes. Each has its own writer; keep 1 on SQLite."),
    Setting("queue_max_items", int, 200_000, "Items (traces+spans+scores) waiting for the writer before "
            "new writes get 429 with Retry-After."),
    Setting("batch_max_items", int, 5_000, "Most items the writer commits in one transaction."),
    Setting("ingest_processes", int, 1, "Helper processes that prepare large OTLP requests (64 KiB and up) "
            "while the server process writes; started on the first such request, stopped after 5 idle "
            "minutes. 0: prepare every request in the server process."),
    Setting("max_request_bytes", int, 32 * 1024 * 1024, "Largest request body accepted, after gzip is undone "
            "(larger ones get 413)."),
    Setting("sqlite_synchronous", str, "NORMAL", "SQLite synchronous mode. NORMAL survives a crash of the "
            "process; FULL also survives a power loss, at some cost in throughput."),
    Setting("reader_pool_size", int, 8, "Database connections kept for reads."),
    Setting("default_project", str, "default", "Project for data that names none."),
    Setting("otlp_grpc", bool, False, "Also accept OTLP/gRPC trace exports (needs "
            "`pip install \"spyglass[grpc]\"`)."),
    Setting("otlp_grpc_port", int, 4317, "Port of the OTLP/gRPC receiver (on the same host as the HTTP server)."),
    Setting("langfuse_keys", str, "", "Langfuse API keys accepted on /api/public/*, as "
            "`public:secret=project` pairs separated by commas. Empty: any key pair is accepted and the "
            "public key names the project."),
)


@dataclass(frozen=True)
class Settings:
    db_url: str = field(default_factory=default_db_url)
    host: str = "127.0.0.1"
    port: int = 7400
    workers: int = 1
    queue_max_items: int = 200_000
    batch_max_items: int = 5_000
    ingest_processes: int = 1
    max_request_bytes: int = 32 * 1024 * 1024
    sqlite_synchronous: str = "NORMAL"
    reader_pool_size: int = 8
    default_project: str = "default"
    otlp_grpc: bool = False
    otlp_grpc_port: int = 4317
    langfuse_keys: str = ""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from SPYGLASS_* variables, then apply explicit (non-None) overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = environ.get(setting.env)
            if raw not in (None, ""):
                values[setting.name] = _cast(setting, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _cast(setting: Setting, raw: str) -> Any:
    if setting.type is bool:  # bool("false") is True
        if raw.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(f"{setting.env}={raw!r} is not a valid bool (use true or false)")
        return raw.strip().lower() in ("1", "true", "yes", "on")
    try:
        return setting.type(raw)
    except ValueError:
        raise ValueError(f"{setting.env}={raw!r} is not a valid {setting.type.__name__}") from None
