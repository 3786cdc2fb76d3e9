"""Foreign wire formats (OTLP, Opik, Langfuse): translated to canonical records, no storage code.

The routes are imported by `add_compat_routes` only: the ingest helper processes import the
OTLP mapping from this package and must not pay for the whole web API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def add_compat_routes(app: FastAPI) -> None:
    from spyglass.server.compat.langfuse.routes import router as langfuse_routes
    from spyglass.server.compat.opik.routes import opik_app

    langfuse_routes.build(app.router)
    app.mount("/opik", opik_app)
