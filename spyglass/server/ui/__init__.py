"""Server-rendered UI (Jinja2 + HTMX, vendored assets, no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from spyglass.server.ui.views import router

HERE = Path(__file__).parent


def create_ui_router():  # type: ignore[no-untyped-def]
    return router


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
