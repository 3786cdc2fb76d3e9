"""Foreign wire formats (OTLP, Opik, Langfuse): translated to canonical records, no storage code."""

from __future__ import annotations

from fastapi import APIRouter

from spyglass.server.compat.langfuse.routes import router as langfuse_router
from spyglass.server.compat.opik.routes import router as opik_router


def create_compat_router() -> APIRouter:
    router = APIRouter()
    router.include_router(langfuse_router)
    router.include_router(opik_router)
    return router
