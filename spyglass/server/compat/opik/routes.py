"""The Opik API under /opik/api: set OPIK_URL_OVERRIDE=http://<host>:7400/opik/api (docs/opik.md).

The routes sit in one Starlette Mount at /opik, so a request elsewhere costs one prefix check
rather than a match against every Opik route. Inside it, order matters: fixed paths before
`{id}` paths, the 501 catch-all last. They are built on the first Opik request: defining
them takes ~0.1 s, which a server that never sees the opik SDK should not pay at start-up.
"""

from __future__ import annotations

import threading

from starlette.routing import BaseRoute, Mount, Router
from starlette.types import Receive, Scope, Send


def api_routes() -> list[BaseRoute]:
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

    routers = (system.router, unsupported.shadowed_router, projects.router, feedback.router, threads.router,
               traces.router, spans.router, experiments.compare_router, datasets.router, experiments.router,
               prompts.router, unsupported.catch_all_router)
    return [route for module_router in routers for route in module_router.routes]


def opik_router() -> Router:
    from spyglass.server.compat.opik import system
    from spyglass.server.compat.opik.routing import PREFIX

    return Router(routes=[Mount(PREFIX.removeprefix("/opik"), routes=api_routes()), *system.ui_router.routes])


class LazyOpik:
    """The Opik routes as one ASGI app, built when the first request reaches them."""

    def __init__(self) -> None:
        self._app: Router | None = None
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = opik_router()
        await self._app(scope, receive, send)


# One for the process: the Opik routes do not depend on the app they serve.
opik_app = LazyOpik()
