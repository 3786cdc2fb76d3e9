"""Prompts and their versions, through the store's prompt functions.

Opik environments are Spyglass labels ('production', 'staging', ...). A version number is
`v<n>` on the wire (`3` is accepted too). A retrieve that names nothing returns the latest
version, as Opik does (Spyglass's own default prefers the 'production' label).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Query, Request
from sqlalchemy.engine import Connection
from starlette.responses import Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.compat.opik.body import list_field, read_object, text_field
from spyglass.server.compat.opik.paging import check_page, numbered_page, page_body
from spyglass.server.compat.opik.routing import NotSupported, OpikRouter
from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.store import prompt_views, prompts
from spyglass.server.store.base import Store
from spyglass.server.store.queries import Page

router = OpikRouter(prefix="/v1/private/prompts", tags=["opik"])


def version_detail(view: dict[str, Any]) -> dict[str, Any]:
    template = view["template"]
    return {
        "id": view["id"], "prompt_id": view["prompt_id"], "commit": view["commit"],
        "version_number": f"v{view['version']}",
        "template": template if isinstance(template, str) else orjson.dumps(template).decode(),
        "template_structure": view["template_structure"], "type": view["type"], "metadata": view["metadata"] or None,
        "change_description": view["change_description"], "tags": view["tags"], "variables": view["variables"],
        "environments": view["labels"], "created_at": view["created_at"], "created_by": view["created_by"],
    }


def prompt_public(view: dict[str, Any]) -> dict[str, Any]:
    latest = view["latest_version"]
    return {"id": view["id"], "name": view["name"], "description": view["description"], "tags": view["tags"],
            "created_at": view["created_at"], "last_updated_at": view["updated_at"],
            "version_count": view["version_count"],
            "template_structure": latest["template_structure"] if latest else None,
            "latest_version": version_detail(latest) if latest else None}


def _number(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip().lower().removeprefix("v")
    if not text.isdigit():
        raise NotFound(f"version_number: no version {value!r} (versions are named v1, v2, ...)")
    return int(text)


def _ensure_project(store: Store, conn: Connection, body: dict[str, Any]) -> None:
    """Opik files prompts under a project and the SDK looks the project up afterwards: make it exist."""
    project = text_field(body, "project_name")
    if project:
        store.projects.id_for_write(conn, project)


def _create_version(conn: Connection, name: str, version: dict[str, Any], structure: str | None,
                    description: str | None = None, tags: Any = None) -> dict[str, Any]:
    metadata = version.get("metadata")
    created = prompts.create_prompt_version(
        conn, name, version.get("template"), template_structure=structure or "text",
        type=version.get("type") or "mustache", metadata=metadata if isinstance(metadata, dict) else None,
        change_description=version.get("change_description"), description=description,
        tags=tags if isinstance(tags, list) else None)
    return version_detail(created["version"])


@router.post("/versions/retrieve", summary="A version by commit, number or environment; the latest by default")
async def retrieve(store: StoreDep, request: Request) -> dict[str, Any]:
    body = await read_object(request, store)
    name = text_field(body, "name", required=True) or ""
    commit, environment = text_field(body, "commit"), text_field(body, "environment")
    number = _number(body.get("version_number"))
    label = environment or ("latest" if commit is None and number is None else None)
    with store.read() as conn:
        return version_detail(prompts.resolve_prompt_version(conn, name, label=label, version=number, commit=commit))


@router.post("/versions", summary="Add a version (creating the prompt); the same template returns the latest")
async def create_version(store: StoreDep, request: Request) -> dict[str, Any]:
    body = await read_object(request, store)
    version = body.get("version")
    if not isinstance(version, dict):
        raise BadRequest("version: must be an object with a template", detail={"field": "version"})
    with store.engine.begin() as conn:
        _ensure_project(store, conn, body)
        return _create_version(conn, text_field(body, "name", required=True) or "", version,
                               text_field(body, "template_structure"))


@router.get("/versions/{version_id}", summary="A version by id")
def get_version(store: StoreDep, version_id: str) -> dict[str, Any]:
    with store.read() as conn:
        return version_detail(prompt_views.get_prompt_version(conn, version_id))


@router.patch("/versions/{version_id}/environments", status_code=204,
              summary="Set the environments (labels) of a version: given ones move here, others leave it")
async def set_environments(store: StoreDep, version_id: str, request: Request) -> Response:
    wanted = [str(e) for e in list_field(await read_object(request, store), "environments")]
    with store.engine.begin() as conn:
        version = prompt_views.get_prompt_version(conn, version_id)
        for label in wanted:
            prompts.set_label(conn, version["prompt_id"], label, version["version"])
        for label in set(version["labels"]) - set(wanted):
            prompts.remove_label(conn, version["prompt_id"], label)
    return Response(status_code=204)


@router.post("/delete", status_code=204, summary="Delete prompts by id")
async def delete_many(store: StoreDep, request: Request) -> Response:
    ids = [str(i) for i in list_field(await read_object(request, store), "ids")]
    with store.engine.begin() as conn:
        for prompt_id in ids:
            if prompts.find_prompt(conn, prompt_id) is not None:
                prompts.delete_prompt(conn, prompt_id)
    return Response(status_code=204)


@router.post("", status_code=201, summary="Create a prompt, with its first version when a template is given")
async def create(store: StoreDep, request: Request) -> Response:
    body = await read_object(request, store)
    name = text_field(body, "name", required=True) or ""
    with store.engine.begin() as conn:
        if body.get("template") is None:
            raise BadRequest("template: Spyglass creates a prompt with its first version", detail={"field": "template"})
        _ensure_project(store, conn, body)
        _create_version(conn, name, body, text_field(body, "template_structure"),
                        description=text_field(body, "description"), tags=body.get("tags"))
    return Response(status_code=201)


@router.get("", summary="Prompts, optionally by name")
def list_prompts(store: StoreDep, name: str | None = None, page: Annotated[int | None, Query()] = None,
                 size: Annotated[int | None, Query()] = None, filters: str | None = None) -> dict[str, Any]:
    if filters and filters not in ("[]", "null"):
        raise NotSupported("filters on prompts are not supported by Spyglass; search by name")
    page, size = check_page(page, size)
    with store.read() as conn:
        def fetch(limit: int, cursor: str | None) -> Page:
            return prompts.list_prompts(conn, name_contains=name, limit=limit, cursor=cursor)

        views, total = numbered_page(fetch, page, size)
    return page_body([prompt_public(v) for v in views], page, size, total, ["name", "created_at"])


@router.get("/{prompt_id}", summary="A prompt with its latest version")
def get_prompt(store: StoreDep, prompt_id: str) -> dict[str, Any]:
    with store.read() as conn:
        return prompt_public(prompts.get_prompt(conn, prompt_id))


@router.get("/{prompt_id}/versions", summary="A prompt's versions, newest first (page, size, total)")
def list_versions(store: StoreDep, prompt_id: str, page: Annotated[int | None, Query()] = None,
                  size: Annotated[int | None, Query()] = None) -> dict[str, Any]:
    page, size = check_page(page, size)
    with store.read() as conn:
        versions = prompts.list_prompt_versions(conn, prompt_id)
    content = [version_detail(v) for v in versions[(page - 1) * size:page * size]]
    return page_body(content, page, size, len(versions), [])


@router.put("/{prompt_id}", status_code=204, summary="Rename a prompt or change its description or tags")
async def update(store: StoreDep, prompt_id: str, request: Request) -> Response:
    body = await read_object(request, store)
    with store.engine.begin() as conn:
        prompts.update_prompt(conn, prompt_id, name=text_field(body, "name"),
                              description=text_field(body, "description"),
                              tags=body.get("tags") if isinstance(body.get("tags"), list) else None)
    return Response(status_code=204)


@router.delete("/{prompt_id}", status_code=204, summary="Delete a prompt with its versions")
def delete(store: StoreDep, prompt_id: str) -> Response:
    with store.engine.begin() as conn:
        if prompts.find_prompt(conn, prompt_id) is None:
            raise NotFound(f"prompt {prompt_id!r} not found")
        prompts.delete_prompt(conn, prompt_id)
    return Response(status_code=204)
