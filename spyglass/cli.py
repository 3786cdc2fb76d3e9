"""The `spyglass` command: serve, demo, db upgrade."""

from __future__ import annotations

import errno
import os
import socket
import sys
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from spyglass import __version__
from spyglass.cli_datasets import app as datasets_app

app = typer.Typer(help="Spyglass: trace, evaluate and monitor LLM applications.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(datasets_app, name="datasets")
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (env SPYGLASS_DB_URL).", show_default=False)]


def _settings(**overrides: object):  # type: ignore[no-untyped-def]
    from spyglass.server.settings import Settings

    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        fail(str(exc))


def _migrate(db_url: str) -> None:
    from sqlalchemy.exc import OperationalError

    from spyglass.server.errors import SpyglassError
    from spyglass.server.store import migrate
    from spyglass.server.store.engine import make_engine

    try:
        engine = make_engine(db_url, pool_size=1)
        migrate.upgrade(engine)
        engine.dispose()
    except SpyglassError as exc:
        fail(exc.message)
    except OperationalError as exc:
        fail(f"cannot open database {db_url}: {str(exc.orig).strip().splitlines()[0]}")


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is already in use (choose another with --port)")
            fail(f"cannot listen on {host}:{port}: {exc.strerror}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (env SPYGLASS_HOST).", show_default=False)] = None,
    port: Annotated[int | None, typer.Option(help="Port (env SPYGLASS_PORT, default 7400).", show_default=False)] = None,
    db: DbOption = None,
    workers: Annotated[int | None, typer.Option(help="Server processes (env SPYGLASS_WORKERS).",
                                                show_default=False)] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the server: API, UI and OTLP/HTTP ingest on one port."""
    import uvicorn

    settings = _settings(host=host, port=port, db_url=db, workers=workers)
    _migrate(settings.db_url)
    _check_port(settings.host, settings.port)
    for name, value in settings.as_dict().items():
        os.environ[f"SPYGLASS_{name.upper()}"] = str(value)
    err.print(f"Spyglass {__version__} on [bold]http://{settings.host}:{settings.port}[/] "
              f"(database: {settings.db_url})")
    # No WebSocket endpoints: ws="none" spares loading a WebSocket implementation at start.
    options = {"host": settings.host, "port": settings.port, "log_level": log_level, "timeout_graceful_shutdown": 10,
               "ws": "none"}
    if settings.workers > 1:  # each worker process builds its own app (and writer) from the environment
        uvicorn.run("spyglass.server.main:app_from_env", factory=True, workers=settings.workers, **options)
        return
    from spyglass.server.app import create_app

    # Request handling and the writer thread hand work to each other on every request; a
    # shorter GIL switch interval than the default 5 ms cuts that hand-off's latency.
    sys.setswitchinterval(0.001)
    try:
        server_app = create_app(settings, migrated=True)
    except ValueError as exc:
        fail(str(exc))
    uvicorn.run(server_app, **options)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Apply database migrations up to the newest schema."""
    settings = _settings(db_url=db)
    _migrate(settings.db_url)
    err.print(f"database at the newest schema: {settings.db_url}")


@app.command()
def configure(
    url: Annotated[str | None, typer.Option(help="Server URL (default http://127.0.0.1:7400).")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", help="API key.")] = None,
    project: Annotated[str | None, typer.Option(help="Default project.")] = None,
) -> None:
    """Write the SDK settings to ~/.spyglass/config.toml (or SPYGLASS_CONFIG_FILE)."""
    from spyglass.sdk.config import configure as write_config

    if url is None and api_key is None and project is None:
        url = typer.prompt("Spyglass URL", default="http://127.0.0.1:7400")
        api_key = typer.prompt("API key (empty for none)", default="", show_default=False) or None
        project = typer.prompt("Default project", default="default")
    err.print(f"wrote {write_config(url=url, api_key=api_key, project=project)}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command()
def demo(
    db: DbOption = None,
    url: Annotated[str | None, typer.Option("--url", help="Write through a running server's API instead, "
                                            "e.g. http://127.0.0.1:7400.", show_default=False)] = None,
    seed: Annotated[int, typer.Option(help="Random seed (the same seed gives the same data).")] = 7,
) -> None:
    """Load sample data (a RAG chatbot and a tool agent over the past week) to explore the UI."""
    from spyglass.server import demo as sample

    bodies = sample.build(seed=seed)
    if url:
        try:
            written = sample.seed_url(bodies, url)
        except Exception as exc:  # noqa: BLE001 - one clear line for any network/HTTP failure
            fail(f"cannot write to {url}: {exc}")
        target = url
    else:
        settings = _settings(db_url=db)
        _migrate(settings.db_url)
        os.environ["SPYGLASS_DB_URL"] = settings.db_url
        written = sample.seed_store(bodies)
        target = settings.db_url
    err.print(f"wrote {written} sample items ({sample.RAG_PROJECT}, {sample.AGENT_PROJECT}) to {target}")
