"""The native REST API v1: one `Routes` per resource, composed here.

(No `from __future__ import annotations` here: it would shadow the `annotations` routes module.)
"""

from spyglass.server.api import (
    annotations,
    bulk,
    calibration,
    datasets,
    experiment_stats,
    experiments,
    health,
    projects,
    prompts,
    spans,
    threads,
    traces,
)
from spyglass.server.routes import Routes


def api_routes() -> Routes:
    routes = Routes()
    for module in (health, projects, bulk, traces, spans, threads, annotations, datasets, experiment_stats, experiments,
                   prompts, calibration):
        routes.include(module.router)
    return routes
