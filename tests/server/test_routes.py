"""Routes are declared per module and built once, onto the app's router."""

from __future__ import annotations

import fastapi.routing
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from spyglass.server.api.responses import JSON
from spyglass.server.routes import Routes


def _no_secret(request: Request) -> None:
    if request.query_params.get("secret"):
        raise HTTPException(400, "no secrets")


class MarkedRoute(APIRoute):
    pass


def _app() -> FastAPI:
    items = Routes("/api/items", tags=["items"], dependencies=[Depends(_no_secret)])

    @items.get("/{item_id}")
    def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @items.post("/", status_code=201, tags=["writes"])
    def add_item() -> dict[str, bool]:
        return {"created": True}

    pages = Routes(include_in_schema=False, route_class=MarkedRoute)

    @pages.get("/page", response_class=HTMLResponse)
    def page() -> str:
        return "<p>page</p>"

    fallback = Routes()
    fallback.add_api_route("/{rest:path}", lambda rest: PlainTextResponse(f"fallback {rest}"), methods=["GET"])
    everything = Routes()
    everything.include(items)
    everything.include(pages)
    everything.include(fallback)  # last: it matches any GET

    app = FastAPI(default_response_class=JSON)
    everything.build(app.router)
    return app


def test_each_route_is_built_once_with_its_modules_options(monkeypatch):
    built = []
    original = fastapi.routing.APIRoute.__init__

    def counting(self, path, endpoint, **kwargs):  # type: ignore[no-untyped-def]
        built.append(path)
        original(self, path, endpoint, **kwargs)

    monkeypatch.setattr(fastapi.routing.APIRoute, "__init__", counting)
    app = _app()
    assert built == ["/api/items/{item_id}", "/api/items/", "/page", "/{rest:path}"]
    routes = {route.path: route for route in app.routes if isinstance(route, APIRoute)}
    assert routes["/api/items/{item_id}"].tags == ["items"]
    assert routes["/api/items/"].tags == ["items", "writes"]
    assert routes["/api/items/{item_id}"].response_class is JSON  # the app's default
    assert type(routes["/page"]) is MarkedRoute and not routes["/page"].include_in_schema


def test_built_routes_answer_in_declaration_order():
    client = TestClient(_app())
    assert client.get("/api/items/7").json() == {"id": 7}
    assert client.get("/api/items/7", params={"secret": "x"}).status_code == 400  # the module's dependency
    assert client.post("/api/items/").status_code == 201
    assert client.get("/page").text == "<p>page</p>"
    assert client.get("/elsewhere").text == "fallback elsewhere"
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/api/items/{item_id}", "/api/items/", "/{rest}"}


def test_the_server_builds_each_route_once(client):
    paths = [(route.path, tuple(sorted(route.methods))) for route in client.app.routes if isinstance(route, APIRoute)]
    assert len(paths) == len(set(paths))
    assert ("/api/v1/projects", ("GET",)) in paths
    assert client.get("/api/v1/projects").headers["content-type"] == "application/json"
    assert client.delete("/api/v1/projects").status_code == 405  # wrong method, not a UI 404 page
