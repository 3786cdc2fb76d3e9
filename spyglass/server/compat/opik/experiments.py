"""Experiments and their items (opik.evaluate and the Experiment API), through the store's
experiment functions. Traces of bulk-uploaded items go through the ingest entry point."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.compat.opik.body import list_field, parse_json, read_object, text_field
from spyglass.server.compat.opik.datasets import version_number, version_ref
from spyglass.server.compat.opik.paging import check_page, ndjson, numbered_page, page_body, resumed, walk
from spyglass.server.compat.opik.public import payload
from spyglass.server.compat.opik.routing import NotSupported, OpikRouter
from spyglass.server.compat.opik.translate import retag, score_record, span_record, trace_record
from spyglass.server.compat.opik.writes import write
from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.model.ids import uuid7
from spyglass.server.store import experiments, prompt_views
from spyglass.server.store.base import Store
from spyglass.server.store.queries import MAX_LIMIT, Page

router = OpikRouter(prefix="/v1/private/experiments", tags=["opik"])
compare_router = OpikRouter(prefix="/v1/private/datasets", tags=["opik"])


def experiment_public(view: dict[str, Any], project_id: str | None) -> dict[str, Any]:
    return {
        "id": view["id"], "name": view["name"], "dataset_id": view["dataset_id"], "dataset_name": view["dataset_name"],
        "project_id": project_id, "project_name": view["project"], "metadata": view["metadata"], "tags": view["tags"],
        "type": view["type"], "status": view["status"], "evaluation_method": "dataset",
        "created_at": view["created_at"], "last_updated_at": view["updated_at"], "finished_at": view["finished_at"],
        "trace_count": view["trace_count"], "dataset_item_count": view["item_count"],
        "feedback_scores": [{"name": name, "value": s["mean"]} for name, s in view["scores"].items()
                            if s.get("mean") is not None],
        "experiment_scores": view["experiment_scores"], "total_estimated_cost": view["cost"],
        "usage": {"total_tokens": view["total_tokens"]},
        "duration": {"p50": view["duration_p50_ms"]} if view["duration_p50_ms"] is not None else None,
        "prompt_versions": [{"id": p.get("id"), "commit": p.get("commit"), "prompt_name": p.get("name"),
                             "version_number": p.get("version")} for p in view["prompt_versions"]],
        "dataset_version_id": version_ref(view["dataset_version"]),
    }


def item_public(run: dict[str, Any], project_id: str | None) -> dict[str, Any]:
    scores = [{"name": name, "value": s["value"], "reason": s["reason"], "source": "sdk"}
              for name, s in run["scores"].items() if s["value"] is not None]
    return {"id": run["id"], "experiment_id": run["experiment_id"], "dataset_item_id": run["dataset_item_id"],
            "trace_id": run["trace_id"], "project_id": project_id, "input": payload(run["data"], "input"),
            "output": payload(run["output"], "output"), "feedback_scores": scores,
            "total_estimated_cost": run["cost"], "duration": run["duration_ms"],
            "usage": {"total_tokens": run["total_tokens"]} if run["total_tokens"] is not None else None,
            "created_at": run["created_at"]}


def _project_id(store: Store, conn: Connection, view: dict[str, Any]) -> str | None:
    return store.projects.lookup(conn, view["project"]) if view["project"] else None


def _prompt_versions(conn: Connection, links: Any) -> list[dict[str, Any]] | None:
    """Opik's [{id, commit}] links as Spyglass's [{id, name, version, commit}] (for the UI's links)."""
    found = []
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("id"):
            try:
                version = prompt_views.get_prompt_version(conn, str(link["id"]))
                found.append({k: version[k] for k in ("id", "name", "version", "commit")})
            except NotFound:
                found.append({"id": link["id"], "commit": link.get("commit")})
    return found or None


def _create(store: Store, conn: Connection, body: dict[str, Any]) -> dict[str, Any]:
    dataset = text_field(body, "dataset_name", required=True) or ""
    project = text_field(body, "project_name")
    links = body.get("prompt_versions") or ([body["prompt_version"]] if body.get("prompt_version") else None)
    return experiments.create_experiment(
        conn, dataset, name=text_field(body, "name"), experiment_id=text_field(body, "id"),
        dataset_version=version_number(body.get("dataset_version_id"), "dataset_version_id"),
        project_id=store.projects.id_for_write(conn, project) if project else None,
        metadata=body.get("metadata") if isinstance(body.get("metadata"), dict) else None, tags=body.get("tags"),
        prompt_versions=_prompt_versions(conn, links), type=text_field(body, "type") or "regular")


@router.post("", status_code=201, summary="Start an experiment on a dataset")
async def create(store: StoreDep, request: Request) -> Response:
    body = await read_object(request, store)
    with store.engine.begin() as conn:
        _create(store, conn, body)
    return Response(status_code=201)


def _add_items(store: Store, items: list[Any]) -> None:
    by_experiment: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("experiment_id") or not item.get("dataset_item_id"):
            raise BadRequest(f"experiment_items[{n}]: needs experiment_id and dataset_item_id")
        by_experiment[str(item["experiment_id"])].append(
            {"id": item.get("id"), "dataset_item_id": str(item["dataset_item_id"]), "trace_id": item.get("trace_id")})
    with store.engine.begin() as conn:
        for experiment_id, rows in by_experiment.items():
            experiments.add_experiment_items(conn, experiment_id, rows)


@router.post("/items", status_code=204, summary="Link dataset items to the traces that ran them")
async def add_items(store: StoreDep, request: Request) -> Response:
    items = list_field(await read_object(request, store), "experiment_items")
    await run_in_threadpool(_add_items, store, items)
    return Response(status_code=204)


@router.post("/finish", status_code=204, summary="Mark experiments completed")
async def finish(store: StoreDep, request: Request) -> Response:
    ids = list_field(await read_object(request, store), "ids")
    with store.engine.begin() as conn:
        for experiment_id in ids:
            experiments.finish_experiment(conn, str(experiment_id))
    return Response(status_code=204)


@router.post("/delete", status_code=204, summary="Delete experiments with their items")
async def delete(store: StoreDep, request: Request) -> Response:
    ids = [str(i) for i in list_field(await read_object(request, store), "ids")]
    with store.engine.begin() as conn:
        experiments.delete_experiments(conn, ids)
    return Response(status_code=204)


def _named(conn: Connection, name: str) -> list[dict[str, Any]]:
    """Experiments with exactly this name, newest first."""
    def fetch(limit: int, cursor: str | None) -> Page:
        return experiments.list_experiments(conn, name_contains=name, limit=limit, cursor=cursor)
    return [view for view in walk(fetch) if view["name"] == name]


def _stream_experiments(store: Store, body: dict[str, Any]) -> list[dict[str, Any]]:
    limit = body.get("limit") or MAX_LIMIT
    with store.read() as conn:
        found = _named(conn, text_field(body, "name", required=True) or "")
        views = resumed(lambda _limit, _cursor: Page(found, None), min(int(limit), MAX_LIMIT),
                        text_field(body, "last_retrieved_id"))
        return [experiment_public(v, _project_id(store, conn, v)) for v in views]


@router.post("/stream", summary="Experiments by name as NDJSON")
async def stream(store: StoreDep, request: Request) -> Response:
    return ndjson(await run_in_threadpool(_stream_experiments, store, await read_object(request, store)))


def _stream_items(store: Store, body: dict[str, Any]) -> list[dict[str, Any]]:
    name = text_field(body, "experiment_name", required=True) or ""
    limit = body.get("limit") or MAX_LIMIT
    with store.read() as conn:
        found = _named(conn, name)
        if not found:
            raise NotFound(f"experiment {name!r} not found")
        experiment_id, project_id = found[0]["id"], _project_id(store, conn, found[0])

        def fetch(size: int, cursor: str | None) -> Page:
            return experiments.list_experiment_items(conn, experiment_id, limit=size, cursor=cursor)

        runs = resumed(fetch, min(int(limit), MAX_LIMIT), text_field(body, "last_retrieved_id"))
    return [item_public(run, project_id) for run in runs]


@router.post("/items/stream", summary="An experiment's items as NDJSON, resumable after an id")
async def stream_items(store: StoreDep, request: Request) -> Response:
    return ndjson(await run_in_threadpool(_stream_items, store, await read_object(request, store)))


@router.get("", summary="Experiments, optionally by name or dataset")
def list_all(store: StoreDep, name: str | None = None,
             dataset_id: Annotated[str | None, Query(alias="datasetId")] = None,
             page: Annotated[int | None, Query()] = None, size: Annotated[int | None, Query()] = None
             ) -> dict[str, Any]:
    page, size = check_page(page, size)
    with store.read() as conn:
        def fetch(limit: int, cursor: str | None) -> Page:
            return experiments.list_experiments(conn, dataset=dataset_id, name_contains=name, limit=limit,
                                                cursor=cursor)

        views, total = numbered_page(fetch, page, size)
        return page_body([experiment_public(v, _project_id(store, conn, v)) for v in views], page, size, total,
                         ["name", "created_at"])


@router.get("/{experiment_id}", summary="One experiment with its aggregates")
def get_one(store: StoreDep, experiment_id: str) -> dict[str, Any]:
    with store.read() as conn:
        view = experiments.get_experiment(conn, experiment_id)
        return experiment_public(view, _project_id(store, conn, view))


@router.patch("/{experiment_id}", status_code=204, summary="Rename, retag, change status or experiment scores")
async def update(store: StoreDep, experiment_id: str, request: Request) -> Response:
    body = await read_object(request, store)
    with store.engine.begin() as conn:
        tags = body.get("tags")
        if body.get("tags_to_add") or body.get("tags_to_remove"):
            current = experiments.get_experiment(conn, experiment_id)["tags"]
            tags = retag(tags if isinstance(tags, list) else current, body.get("tags_to_add"),
                         body.get("tags_to_remove"))
        experiments.update_experiment(conn, experiment_id, name=text_field(body, "name"),
                                      metadata=body.get("metadata") if isinstance(body.get("metadata"), dict) else None,
                                      tags=tags, status=text_field(body, "status"),
                                      scores=body.get("experiment_scores"))
    return Response(status_code=204)


def _bulk_records(body: dict[str, Any], project: str | None) -> tuple[dict[str, list[dict[str, Any]]], list[dict]]:
    """Traces, spans and scores of bulk items as ingest records, and the experiment item links."""
    records: dict[str, list[dict[str, Any]]] = {"traces": [], "spans": [], "scores": []}
    links = []
    for n, item in enumerate(list_field(body, "items")):
        if not isinstance(item, dict) or not item.get("dataset_item_id"):
            raise BadRequest(f"items[{n}].dataset_item_id: is required")
        trace = item.get("trace") if isinstance(item.get("trace"), dict) else None
        trace_id = (trace or {}).get("id") or (uuid7() if trace else None)
        if trace:
            records["traces"].append(trace_record({"project_name": project, **trace, "id": trace_id}))
        for span in item.get("spans") or ():
            records["spans"].append(span_record({"project_name": project, "trace_id": trace_id, **span}))
        for score in item.get("feedback_scores") or ():
            records["scores"].append(score_record({"project_name": project, **score}, "trace", trace_id))
        links.append({"dataset_item_id": str(item["dataset_item_id"]), "trace_id": trace_id,
                      "output": item.get("evaluate_task_result")})
    return records, links


@router.put("/items/bulk", status_code=204, summary="Record finished runs: traces, spans, scores and their items")
async def bulk(store: StoreDep, request: Request) -> Response:
    body = await read_object(request, store)
    project = text_field(body, "project_name")
    records, links = _bulk_records(body, project)
    with store.engine.begin() as conn:
        experiment_id = text_field(body, "experiment_id")
        if experiment_id is None:
            named = _named(conn, text_field(body, "experiment_name", required=True) or "")
            experiment_id = named[0]["id"] if named else _create(store, conn, {
                "name": body.get("experiment_name"), "dataset_name": body.get("dataset_name"),
                "project_name": project})["id"]
    written = await write(store, records)
    if written.status_code >= 300:
        return written
    with store.engine.begin() as conn:
        experiments.add_experiment_items(conn, experiment_id, [
            {**link, "output": None if link["trace_id"] else link["output"]} for link in links])
    return Response(status_code=204)


def _compare_page(store: Store, dataset_id: str, experiment_ids: list[str], page: int, size: int
                  ) -> dict[str, Any]:
    """Dataset items that ran in the experiments, each with its runs (Opik's Compare view)."""
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    data: dict[str, Any] = {}
    with store.read() as conn:
        for experiment_id in experiment_ids:
            view = experiments.get_experiment(conn, experiment_id)
            project_id = _project_id(store, conn, view)

            def fetch(limit: int, cursor: str | None, experiment_id: str = experiment_id) -> Page:
                return experiments.list_experiment_items(conn, experiment_id, limit=limit, cursor=cursor)

            for run in walk(fetch):
                by_item[run["dataset_item_id"]].append(item_public(run, project_id))
                data.setdefault(run["dataset_item_id"], run["data"])
    ids = list(by_item)
    content = [{"id": item_id, "dataset_item_id": item_id, "dataset_id": dataset_id, "data": data[item_id],
                "source": "sdk", "experiment_items": by_item[item_id]}
               for item_id in ids[(page - 1) * size:page * size]]
    return page_body(content, page, size, len(ids), [])


@compare_router.get("/{dataset_id}/items/experiments/items", summary="Dataset items with their runs in experiments")
def compare(store: StoreDep, dataset_id: str, experiment_ids: str, page: Annotated[int | None, Query()] = None,
            size: Annotated[int | None, Query()] = None, filters: str | None = None) -> dict[str, Any]:
    if filters and filters not in ("[]", "null"):
        raise NotSupported("filters on experiment items are not supported by Spyglass")
    page, size = check_page(page, size)
    ids = parse_json(experiment_ids.encode())
    if not isinstance(ids, list):
        raise BadRequest("experiment_ids: must be a JSON list of ids", detail={"field": "experiment_ids"})
    return _compare_page(store, dataset_id, [str(i) for i in ids], page, size)
