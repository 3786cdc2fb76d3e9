"""Foreign wire formats (OTLP, Opik, Langfuse): translated to canonical records, no storage code.

The routers are imported by `create_compat_router` only: the ingest helper processes import
the OTLP mapping from this package and must not pay for the whole web API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter


def create_compat_router() -> APIRouter:
    from fastapi import APIRouter

    from spyglass.server.compat.langfuse.routes import router as langfuse_router
    from spyglass.server.compat.opik.routes import router as opik_router

    router = APIRouter()
    router.include_router(langfuse_router)
    router.include_router(opik_router)
    return router
