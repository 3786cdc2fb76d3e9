"""Datasets, their items and versions, through the store's dataset functions.

Spyglass versions are numbers; Opik names a version by a hash string: here `v<number>` (so
`dataset_version="v3"` reads the items of version 3). Item `data` is stored as the SDK sends it,
so items written natively (input, expected_output, metadata keys) read back the same way.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.compat.opik.body import list_field, read_object, text_field
from spyglass.server.compat.opik.paging import check_page, ndjson, numbered_page, page_body, resumed, walk
from spyglass.server.compat.opik.routing import NotSupported, OpikRouter
from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.store import dataset_items, datasets
from spyglass.server.store.base import Store
from spyglass.server.store.queries import MAX_LIMIT, Page

router = OpikRouter(prefix="/v1/private/datasets", tags=["opik"])

SOURCES_IN = {"sdk": "sdk", "manual": "ui", "trace": "trace", "span": "span"}
SOURCES_OUT = {"ui": "manual", "trace": "trace", "span": "span"}
STREAM_LIMIT = 500


def version_ref(number: int) -> str:
    return f"v{number}"


def version_number(ref: Any, field: str = "version") -> int | None:
    if ref in (None, ""):
        return None
    text = str(ref).strip().lower().removeprefix("v")
    if not text.isdigit():
        raise NotFound(f"{field}: no dataset version {ref!r} (versions are named v1, v2, ...)")
    return int(text)


def dataset_public(view: dict[str, Any], project_id: str | None) -> dict[str, Any]:
    latest = None
    if view["version"]:
        ref = version_ref(view["version"])
        latest = {"id": ref, "version_hash": ref, "version_name": ref}
    return {"id": view["id"], "name": view["name"], "description": view["description"], "tags": view["tags"],
            "project_id": project_id, "visibility": "private", "type": "dataset",
            "dataset_items_count": view["item_count"], "experiment_count": view["experiment_count"],
            "created_at": view["created_at"], "last_updated_at": view["updated_at"], "latest_version": latest}


def item_public(item: dict[str, Any], dataset_id: str) -> dict[str, Any]:
    return {"id": item["id"], "data": item["data"], "source": SOURCES_OUT.get(item["source"], "sdk"),
            "trace_id": item["trace_id"], "span_id": item["span_id"], "tags": item["tags"],
            "dataset_id": dataset_id, "created_at": item["created_at"], "last_updated_at": item["updated_at"]}


def _project_id(store: Store, conn: Connection, view: dict[str, Any]) -> str | None:
    return store.projects.lookup(conn, view["project"]) if view["project"] else None


def _public(store: Store, conn: Connection, dataset: str) -> dict[str, Any]:
    view = datasets.get_dataset(conn, dataset)
    return dataset_public(view, _project_id(store, conn, view))


def _raw_item(item: Any, index: int) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
        raise BadRequest(f"items[{index}].data: must be a JSON object", detail={"field": f"items[{index}].data"})
    source = item.get("source")
    return {"id": item.get("id"), "data": item["data"], "source": SOURCES_IN.get(source, "opik"),
            "trace_id": item.get("trace_id"), "span_id": item.get("span_id"), "tags": item.get("tags")}


@router.post("/retrieve", summary="A dataset by name; 404 when there is none")
async def retrieve(store: StoreDep, request: Request) -> dict[str, Any]:
    name = text_field(await read_object(request, store), "dataset_name", required=True) or ""
    with store.read() as conn:
        if datasets.find_dataset(conn, name) is None:
            raise NotFound(f"dataset {name!r} not found")
        return _public(store, conn, name)


def _create(store: Store, conn: Connection, body: dict[str, Any]) -> dict[str, Any]:
    name = text_field(body, "name", required=True) or ""
    project = text_field(body, "project_name")
    project_id = store.projects.id_for_write(conn, project) if project else None
    view = datasets.create_dataset(conn, name, description=text_field(body, "description"), project_id=project_id,
                                   tags=body.get("tags"), dataset_id=text_field(body, "id"))
    return dataset_public(view, project_id)


@router.post("", status_code=201, summary="Create a dataset (409 when the name is taken)")
async def create(store: StoreDep, request: Request) -> dict[str, Any]:
    body = await read_object(request, store)
    with store.engine.begin() as conn:
        return _create(store, conn, body)


@router.get("", summary="Datasets, optionally by name")
def list_datasets(store: StoreDep, name: str | None = None, page: Annotated[int | None, Query()] = None,
                  size: Annotated[int | None, Query()] = None) -> dict[str, Any]:
    page, size = check_page(page, size)
    with store.read() as conn:
        def fetch(limit: int, cursor: str | None) -> Page:
            return datasets.list_datasets(conn, name_contains=name, limit=limit, cursor=cursor)

        views, total = numbered_page(fetch, page, size)
        items = [dataset_public(v, _project_id(store, conn, v)) for v in views]
    return page_body(items, page, size, total, ["name", "created_at"])


@router.post("/delete", status_code=204, summary="Delete a dataset by name")
async def delete_by_name(store: StoreDep, request: Request) -> Response:
    name = text_field(await read_object(request, store), "dataset_name", required=True) or ""
    with store.engine.begin() as conn:
        datasets.delete_dataset(conn, name)
    return Response(status_code=204)


def _insert(store: Store, body: dict[str, Any]) -> None:
    dataset = text_field(body, "dataset_id") or text_field(body, "dataset_name", required=True) or ""
    raw = [_raw_item(item, n) for n, item in enumerate(list_field(body, "items"))]
    with store.engine.begin() as conn:
        if datasets.find_dataset(conn, dataset) is None and not text_field(body, "dataset_id"):
            _create(store, conn, {"name": dataset, "project_name": body.get("project_name")})
        dataset_items.insert_items(conn, dataset, raw, source="opik")


@router.put("/items", status_code=204, summary="Add or replace items (upsert by id, duplicates skipped)")
async def insert_items(store: StoreDep, request: Request) -> Response:
    await run_in_threadpool(_insert, store, await read_object(request, store))
    return Response(status_code=204)


def _delete_items(store: Store, ids: list[str]) -> None:
    """Opik names only the items: each dataset drops those it holds (one new version per dataset)."""
    with store.engine.begin() as conn:
        for view in walk(lambda limit, cursor: datasets.list_datasets(conn, limit=limit, cursor=cursor)):
            dataset_items.delete_items(conn, view["id"], ids)


@router.post("/items/delete", status_code=204, summary="Delete items by id")
async def delete_items(store: StoreDep, request: Request) -> Response:
    ids = [str(i) for i in list_field(await read_object(request, store), "item_ids")]
    if ids:
        await run_in_threadpool(_delete_items, store, ids)
    return Response(status_code=204)


def _items_fetch(conn: Connection, dataset: str, version: int | None) -> Any:
    def fetch(limit: int, cursor: str | None) -> Page:
        got = dataset_items.list_items(conn, dataset, version=version, limit=limit, cursor=cursor)
        return Page(got["items"], got["next_cursor"])
    return fetch


def _stream(store: Store, body: dict[str, Any]) -> list[dict[str, Any]]:
    if body.get("filters"):
        raise NotSupported("filters on dataset items are not supported by Spyglass")
    name = text_field(body, "dataset_name", required=True) or ""
    limit = body.get("steam_limit") or body.get("stream_limit") or STREAM_LIMIT
    if not isinstance(limit, int) or limit < 1:
        raise BadRequest("steam_limit: must be a positive integer", detail={"field": "steam_limit"})
    with store.read() as conn:
        row = datasets.require_dataset(conn, name)
        fetch = _items_fetch(conn, row.id, version_number(body.get("dataset_version"), "dataset_version"))
        items = resumed(fetch, min(limit, MAX_LIMIT), text_field(body, "last_retrieved_id"))
    return [item_public(item, row.id) for item in items]


@router.post("/items/stream", summary="Stream items as NDJSON, resumable after an id")
async def stream_items(store: StoreDep, request: Request) -> Response:
    return ndjson(await run_in_threadpool(_stream, store, await read_object(request, store)))


@router.get("/{dataset_id}", summary="A dataset by id")
def get_dataset(store: StoreDep, dataset_id: str) -> dict[str, Any]:
    with store.read() as conn:
        return _public(store, conn, dataset_id)


@router.put("/{dataset_id}", status_code=204, summary="Rename a dataset or change its description or tags")
async def update_dataset(store: StoreDep, dataset_id: str, request: Request) -> Response:
    body = await read_object(request, store)
    with store.engine.begin() as conn:
        datasets.update_dataset(conn, dataset_id, name=text_field(body, "name"),
                                description=text_field(body, "description"), tags=body.get("tags"))
    return Response(status_code=204)


@router.delete("/{dataset_id}", status_code=204, summary="Delete a dataset by id")
def delete_dataset(store: StoreDep, dataset_id: str) -> Response:
    with store.engine.begin() as conn:
        datasets.delete_dataset(conn, dataset_id)
    return Response(status_code=204)


@router.get("/{dataset_id}/items", summary="A page of items (page, size, total) at a version")
def list_items(store: StoreDep, dataset_id: str, page: Annotated[int | None, Query()] = None,
               size: Annotated[int | None, Query()] = None, version: str | None = None,
               filters: str | None = None) -> dict[str, Any]:
    if filters and filters not in ("[]", "null"):
        raise NotSupported("filters on dataset items are not supported by Spyglass")
    page, size = check_page(page, size)
    number = version_number(version)
    with store.read() as conn:
        row = datasets.require_dataset(conn, dataset_id)
        counts = {v["version"]: v["item_count"] for v in dataset_items.list_versions(conn, row.id)}
        total = counts.get(row.version if number is None else number, 0)
        items, total = numbered_page(_items_fetch(conn, row.id, number), page, size, known_total=total)
    return page_body([item_public(i, row.id) for i in items], page, size, total, [])


@router.get("/{dataset_id}/versions", summary="The dataset's versions, newest first")
def list_versions(store: StoreDep, dataset_id: str, page: Annotated[int | None, Query()] = None,
                  size: Annotated[int | None, Query()] = None) -> dict[str, Any]:
    page, size = check_page(page, size)
    with store.read() as conn:
        row = datasets.require_dataset(conn, dataset_id)
        versions = dataset_items.list_versions(conn, row.id)
    content = [{"id": version_ref(v["version"]), "dataset_id": row.id, "version_hash": version_ref(v["version"]),
                "version_name": version_ref(v["version"]), "is_latest": v["version"] == row.version,
                "items_total": v["item_count"], "change_description": v["change"], "created_at": v["created_at"]}
               for v in versions[(page - 1) * size:page * size]]
    return {"page": page, "size": len(content), "total": len(versions), "content": content}
