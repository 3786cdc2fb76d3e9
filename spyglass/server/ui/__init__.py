"""Server-rendered UI (Jinja2 + HTMX, vendored assets, no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from spyglass.server.ui import dataset_forms, datasets, experiments, prompts
from spyglass.server.ui.views import router

HERE = Path(__file__).parent


def create_ui_router():  # type: ignore[no-untyped-def]
    # Datasets, experiments and prompts come ahead of the pages router, whose last routes answer
    # unknown /ui/... paths with a 404 page.
    ui = APIRouter(include_in_schema=False)
    for module in (dataset_forms, datasets, experiments, prompts):
        ui.include_router(module.router)
    ui.include_router(router)
    return ui


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
