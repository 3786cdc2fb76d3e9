"""Process entry for uvicorn: the app built from SPYGLASS_* environment variables."""

from __future__ import annotations

from fastapi import FastAPI

from spyglass.server.app import create_app
from spyglass.server.settings import Settings


def app_from_env() -> FastAPI:
    return create_app(Settings.from_env())
