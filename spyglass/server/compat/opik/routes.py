"""The Opik API under /opik/api: set OPIK_URL_OVERRIDE=http://<host>:7400/opik/api (docs/opik.md).

The routes sit in one Starlette Mount at /opik, so a request elsewhere costs one prefix check
rather than a match against every Opik route. Inside it, order matters: fixed paths before
`{id}` paths, the 501 catch-all last.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import BaseRoute, Mount

from spyglass.server.compat.opik import (
    datasets,
    experiments,
    feedback,
    projects,
    prompts,
    spans,
    system,
    threads,
    traces,
    unsupported,
)
from spyglass.server.compat.opik.routing import PREFIX

API_ROUTERS = (system.router, unsupported.shadowed_router, projects.router, feedback.router, threads.router,
               traces.router, spans.router, experiments.compare_router, datasets.router, experiments.router,
               prompts.router, unsupported.catch_all_router)


def api_routes() -> list[BaseRoute]:
    return [route for module_router in API_ROUTERS for route in module_router.routes]


router = APIRouter()
router.routes.append(Mount("/opik", routes=[Mount(PREFIX.removeprefix("/opik"), routes=api_routes()),
                                            *system.ui_router.routes]))
