"""Route declarations built once, on the app.

FastAPI builds a route (its dependency tree, a pydantic adapter for every parameter) when an
APIRouter declares it, and builds it again for every router that includes it. A module here
declares its routes on a `Routes` (same decorators as an APIRouter); `create_app` builds each
of them once, straight onto the app's router. That is ~65 ms less start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, params
from fastapi.routing import APIRoute

Endpoint = Callable[..., Any]


class Routes:
    def __init__(self, prefix: str = "", *, tags: Sequence[str] = (), dependencies: Sequence[params.Depends] = (),
                 include_in_schema: bool = True, route_class: type[APIRoute] = APIRoute) -> None:
        self.prefix = prefix
        self.tags = list(tags)
        self.dependencies = list(dependencies)
        self.include_in_schema = include_in_schema
        self.route_class = route_class
        self._entries: list[tuple[str, Endpoint, dict[str, Any]] | Routes] = []

    def add_api_route(self, path: str, endpoint: Endpoint, **options: Any) -> None:
        self._entries.append((path, endpoint, options))

    def api_route(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        def declare(endpoint: Endpoint) -> Endpoint:
            self.add_api_route(path, endpoint, **options)
            return endpoint

        return declare

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["POST"], **options)

    def put(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["PUT"], **options)

    def patch(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["PATCH"], **options)

    def delete(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["DELETE"], **options)

    def include(self, other: Routes) -> None:
        """Another module's routes, at this place in the order (matching is first come, first
        served), each built with its own module's prefix and options."""
        self._entries.append(other)

    def build(self, router: APIRouter) -> None:
        """Build every route declared here onto `router`, in declaration order."""
        for entry in self._entries:
            if isinstance(entry, Routes):
                entry.build(router)
                continue
            path, endpoint, options = entry
            options = dict(options)
            router.add_api_route(
                self.prefix + path, endpoint, route_class_override=self.route_class,
                tags=[*self.tags, *options.pop("tags", ())],
                dependencies=[*self.dependencies, *options.pop("dependencies", ())],
                include_in_schema=self.include_in_schema and options.pop("include_in_schema", True), **options)
