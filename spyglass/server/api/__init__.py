"""The native REST API v1: one router per resource, composed here.

(No `from __future__ import annotations` here: it would shadow the `annotations` router module.)
"""

from fastapi import APIRouter

from spyglass.server.api import annotations, bulk, health, projects, spans, threads, traces
from spyglass.server.api import datasets, experiments, prompts
from spyglass.server.api import calibration, experiment_stats


def create_api_router() -> APIRouter:
    router = APIRouter()
    for module in (health, projects, bulk, traces, spans, threads, annotations, datasets, experiment_stats, experiments,
                   prompts, calibration):
        router.include_router(module.router)
    return router
