"""The native REST API v1: one router per resource, composed here."""

from __future__ import annotations

from fastapi import APIRouter

from spyglass.server.api import health, ingest, projects, spans, threads, traces


def create_api_router() -> APIRouter:
    router = APIRouter()
    for module in (health, ingest, projects, traces, spans, threads):
        router.include_router(module.router)
    return router
