"""Foreign wire formats (OTLP, Opik, Langfuse): translated to canonical records, no storage code."""

from __future__ import annotations

from fastapi import APIRouter


def create_compat_router() -> APIRouter:
    router = APIRouter()
    return router
