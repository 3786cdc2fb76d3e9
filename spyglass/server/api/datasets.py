"""Datasets: versioned collections of items (input, expected output, metadata) that experiments run on."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from pydantic import ConfigDict, Field, StringConstraints, model_validator

from spyglass.server.api._json import Body, JsonObject, JsonValue, encodable, no_nul_parameters
from spyglass.server.api._records import CursorParam
from spyglass.server.api.deps import StoreDep
from spyglass.server.model.records import Id, ProjectName, Tag
from spyglass.server.routes import Routes
from spyglass.server.store import dataset_items, datasets

router = Routes(prefix="/api/v1/datasets", tags=["datasets"], dependencies=[Depends(no_nul_parameters)])

DatasetName = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Source = Literal["api", "sdk", "ui", "trace", "span", "import", "opik"]
MAX_ITEMS = 10_000


class DatasetIn(Body):
    model_config = ConfigDict(extra="forbid")
    name: DatasetName
    description: str | None = None
    project: ProjectName | None = None
    tags: list[Tag] | None = None


class DatasetPatch(Body):
    model_config = ConfigDict(extra="forbid")
    name: DatasetName | None = None
    description: str | None = None
    tags: list[Tag] | None = None


class ItemIn(Body):
    """An item: `data` is the whole object; input/expected_output/metadata and any other keys are set in it."""

    model_config = ConfigDict(extra="allow")
    id: Id | None = None
    input: JsonValue = None
    expected_output: JsonValue = None
    metadata: JsonValue = None
    data: JsonObject | None = None
    source: Source | None = None
    trace_id: Id | None = None
    span_id: Id | None = None
    tags: list[Tag] | None = None

    @model_validator(mode="after")
    def extra_keys_are_json(self) -> ItemIn:
        for value in (self.model_extra or {}).values():
            encodable(value)
        return self


class ItemsIn(Body):
    items: list[ItemIn] = Field(min_length=1, max_length=MAX_ITEMS)


class FromTraces(Body):
    model_config = ConfigDict(extra="forbid")
    trace_ids: list[Id] | None = Field(None, min_length=1, max_length=MAX_ITEMS)
    span_ids: list[Id] | None = Field(None, min_length=1, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def one_kind(self) -> FromTraces:
        if (self.trace_ids is None) == (self.span_ids is None):
            raise ValueError("give trace_ids or span_ids (one of them)")
        return self


class DeleteItems(Body):
    ids: list[str] = Field(min_length=1, max_length=MAX_ITEMS)


def _raw(item: ItemIn) -> dict[str, Any]:
    return item.model_dump(exclude_unset=True)


@router.get("", summary="List datasets, newest first")
def list_datasets(store: StoreDep, name_contains: str | None = None, limit: int = 50,
                  cursor: CursorParam = None) -> dict[str, Any]:
    with store.read() as conn:
        return datasets.list_datasets(conn, name_contains=name_contains, limit=limit, cursor=cursor).as_dict()


@router.post("", status_code=201, summary="Create a dataset (409 if the name exists)")
def create_dataset(store: StoreDep, body: DatasetIn) -> dict[str, Any]:
    with store.engine.begin() as conn:
        project_id = store.projects.id_for_write(conn, body.project) if body.project else None
        return datasets.create_dataset(conn, body.name, description=body.description, project_id=project_id,
                                       tags=body.tags)


@router.get("/{dataset}", summary="A dataset by name or id")
def get_dataset(store: StoreDep, dataset: str) -> dict[str, Any]:
    with store.read() as conn:
        return datasets.get_dataset(conn, dataset)


@router.patch("/{dataset}", summary="Rename a dataset or change its description or tags")
def patch_dataset(store: StoreDep, dataset: str, body: DatasetPatch) -> dict[str, Any]:
    with store.engine.begin() as conn:
        return datasets.update_dataset(conn, dataset, name=body.name, description=body.description, tags=body.tags)


@router.delete("/{dataset}", status_code=204, summary="Delete a dataset, its items, versions and experiments")
def delete_dataset(store: StoreDep, dataset: str) -> Response:
    with store.engine.begin() as conn:
        datasets.delete_dataset(conn, dataset)
    return Response(status_code=204)


@router.get("/{dataset}/items", summary="Items at a version (default: the current one), oldest first")
def list_items(store: StoreDep, dataset: str,
               version: Annotated[int | None, Query(description="Dataset version; default: current")] = None,
               limit: int = 100, cursor: CursorParam = None) -> dict[str, Any]:
    with store.read() as conn:
        return dataset_items.list_items(conn, dataset, version=version, limit=limit, cursor=cursor)


@router.post("/{dataset}/items", summary="Add items as one new version (duplicates skipped, known ids updated)")
def insert_items(store: StoreDep, dataset: str, body: ItemsIn) -> dict[str, Any]:
    with store.engine.begin() as conn:
        return dataset_items.insert_items(conn, dataset, [_raw(item) for item in body.items])


@router.post("/{dataset}/items/from-traces", summary="Add items made from traces or spans (input, output)")
def items_from_traces(store: StoreDep, dataset: str, body: FromTraces) -> dict[str, Any]:
    with store.engine.begin() as conn:
        items = dataset_items.items_from_traces(conn, trace_ids=body.trace_ids, span_ids=body.span_ids)
        return dataset_items.insert_items(conn, dataset, items)


@router.patch("/{dataset}/items/{item_id}", summary="Change one item (given fields win) as a new version")
def update_item(store: StoreDep, dataset: str, item_id: str, body: ItemIn) -> dict[str, Any]:
    with store.engine.begin() as conn:
        return dataset_items.update_item(conn, dataset, item_id, _raw(body))


@router.post("/{dataset}/items/delete", summary="Remove items as one new version")
def delete_items(store: StoreDep, dataset: str, body: DeleteItems) -> dict[str, Any]:
    with store.engine.begin() as conn:
        return dataset_items.delete_items(conn, dataset, body.ids)


@router.get("/{dataset}/versions", summary="The dataset's versions, newest first")
def list_versions(store: StoreDep, dataset: str) -> dict[str, Any]:
    with store.read() as conn:
        return {"items": dataset_items.list_versions(conn, dataset)}
