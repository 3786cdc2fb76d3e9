"""Projects: retrieve by name, get by id, list, create (projects are also made by their first trace)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from spyglass.server.api.deps import StoreDep
from spyglass.server.api.projects import ProjectIn, create_project
from spyglass.server.compat.opik.body import read_object, text_field
from spyglass.server.compat.opik.paging import check_page, page_body
from spyglass.server.compat.opik.public import project_public
from spyglass.server.compat.opik.routing import OpikRouter
from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.store import stats
from spyglass.server.store.base import Store

router = OpikRouter(prefix="/v1/private/projects", tags=["opik"])


def all_projects(store: Store, conn: Connection) -> list[dict[str, Any]]:
    return stats.list_projects(conn, store.projects.workspace_id)


def find_project(store: Store, conn: Connection, *, name: str | None = None, project_id: str | None = None
                 ) -> dict[str, Any]:
    for project in all_projects(store, conn):
        if (name is not None and project["name"] == name) or (project_id is not None and project["id"] == project_id):
            return project
    raise NotFound(f"project {name or project_id!r} not found")


def resolve_name(store: Store, conn: Connection, name: str | None, project_id: str | None) -> str:
    """The project an Opik request names, by name or by id."""
    if name:
        return name
    if project_id:
        return str(find_project(store, conn, project_id=project_id)["name"])
    raise BadRequest("project_name: is required (or project_id)", detail={"field": "project_name"})


@router.post("/retrieve", summary="A project by name; 404 when there is none")
async def retrieve(store: StoreDep, request: Request) -> dict[str, Any]:
    name = text_field(await read_object(request, store), "name", required=True)
    with store.read() as conn:
        return project_public(find_project(store, conn, name=name))


@router.get("/{project_id}", summary="A project by id")
def get_project(store: StoreDep, project_id: str) -> dict[str, Any]:
    with store.read() as conn:
        return project_public(find_project(store, conn, project_id=project_id))


@router.get("", summary="Projects, optionally by name")
def list_projects(store: StoreDep, name: Annotated[str | None, Query()] = None,
                  page: Annotated[int | None, Query()] = None, size: Annotated[int | None, Query()] = None
                  ) -> dict[str, Any]:
    page, size = check_page(page, size)
    with store.read() as conn:
        found = [p for p in all_projects(store, conn) if not name or name.lower() in p["name"].lower()]
    items = [project_public(p) for p in found[(page - 1) * size:page * size]]
    return page_body(items, page, size, len(found), ["name", "last_updated_at"])


@router.post("", status_code=201, summary="Create a project (409 when the name is taken)")
async def create(store: StoreDep, request: Request) -> dict[str, Any]:
    body = await read_object(request, store)
    name = text_field(body, "name", required=True)
    try:
        project = ProjectIn(name=name or "", description=text_field(body, "description"))
    except ValidationError as exc:
        raise BadRequest(f"name: {exc.errors()[0]['msg']}", detail={"field": "name"}) from None
    return project_public(create_project(store, project))
