"""Server-rendered UI (Jinja2 + HTMX, vendored assets, no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from spyglass.server.routes import Routes
from spyglass.server.ui import dataset_forms, datasets, experiments, prompts
from spyglass.server.ui.views import router

HERE = Path(__file__).parent


def ui_routes() -> Routes:
    # Datasets, experiments and prompts come ahead of the pages routes, whose last routes answer
    # unknown /ui/... paths with a 404 page.
    ui = Routes()
    for module in (dataset_forms, datasets, experiments, prompts):
        ui.include(module.router)
    ui.include(router)
    return ui


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
