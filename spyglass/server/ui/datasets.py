"""Datasets: the list (create), one dataset's page (items at any version with keyset "load more",
versions with their change, experiments with aggregate scores to compare), rename and delete.
Item forms and "add to dataset" from traces are in dataset_forms.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from spyglass.server.api.deps import StoreDep
from spyglass.server.store import dataset_items, datasets, experiments
from spyglass.server.store.base import Store
from spyglass.server.ui.errors import html_router
from spyglass.server.ui.forms import FormError, attempt, done, one, read_form
from spyglass.server.ui.render import render

router = html_router()
PAGE_SIZE = 50
EXPERIMENTS_SHOWN = 200
NAME_MAX = 200


def metric_names(runs: list[dict[str, Any]]) -> list[str]:
    """Score names of a list of experiments, in name order."""
    return sorted({name for run in runs for name in run["scores"]})


def parse_version(text: str | None) -> int | None:
    """A version number from the query string; None when absent or not a number."""
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None


@router.get("/datasets", response_class=HTMLResponse)
def datasets_page(store: StoreDep, request: Request, cursor: str | None = None, q: str = "") -> Response:
    with store.read() as conn:
        page = datasets.list_datasets(conn, name_contains=q.strip() or None, limit=PAGE_SIZE, cursor=cursor)
    more = f"/datasets?{urlencode({'q': q, 'cursor': page.next_cursor})}" if page.next_cursor else None
    context = {"page": page, "q": q, "more_url": more, "section": "datasets"}
    return render(request, "_dataset_list_rows.html" if cursor else "datasets.html", context)


def _name(form: dict[str, list[str]]) -> str:
    name = one(form, "name")
    if not name:
        raise FormError("name: give the dataset a name")
    if len(name) > NAME_MAX:
        raise FormError(f"name: at most {NAME_MAX} characters")
    return name


@router.post("/ui/datasets", response_class=HTMLResponse)
async def create_dataset(store: StoreDep, request: Request) -> Response:
    form = await read_form(request)

    def work() -> Response:
        with store.engine.begin() as conn:
            made = datasets.create_dataset(conn, _name(form), description=one(form, "description") or None)
        return done(f"/datasets/{made['id']}")

    return await attempt(request, work)


@router.post("/ui/datasets/{dataset_id}/rename", response_class=HTMLResponse)
async def rename_dataset(store: StoreDep, dataset_id: str, request: Request) -> Response:
    form = await read_form(request)

    def work() -> Response:
        with store.engine.begin() as conn:
            datasets.update_dataset(conn, dataset_id, name=_name(form), description=one(form, "description"))
        return done(f"/datasets/{dataset_id}")

    return await attempt(request, work)


@router.post("/ui/datasets/{dataset_id}/delete", response_class=HTMLResponse)
async def delete_dataset(store: StoreDep, dataset_id: str, request: Request) -> Response:
    def work() -> Response:
        with store.engine.begin() as conn:
            datasets.delete_dataset(conn, dataset_id)
        return done("/datasets")

    return await attempt(request, work)


def item_page(store: Store, dataset_id: str, version: int | None, cursor: str | None) -> dict[str, Any]:
    """The dataset, one page of its items at `version` and the URL of the next page."""
    with store.read() as conn:
        ds = datasets.get_dataset(conn, dataset_id)
        page = dataset_items.list_items(conn, ds["id"], version=version, limit=PAGE_SIZE, cursor=cursor)
    query = {"version": page["version"]} if page["version"] != ds["version"] else {}
    more = f"/datasets/{ds['id']}?{urlencode({**query, 'cursor': page['next_cursor']})}" \
        if page["next_cursor"] else None
    return {"dataset": ds, "items": [item_row(i) for i in page["items"]], "at_version": page["version"],
            "current": page["version"] == ds["version"], "more_url": more}


def item_row(item: dict[str, Any]) -> dict[str, Any]:
    """An item with the keys beyond input/expected_output/metadata (imported columns) apart."""
    extra = {k: v for k, v in item["data"].items() if k not in dataset_items.DATA_KEYS}
    return {**item, "extra": extra or None}


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(store: StoreDep, dataset_id: str, request: Request, cursor: str | None = None) -> Response:
    version = parse_version(request.query_params.get("version"))
    context = item_page(store, dataset_id, version, cursor)
    if cursor:  # "load more": only the next rows
        return render(request, "_item_rows.html", context)
    with store.read() as conn:
        versions = dataset_items.list_versions(conn, context["dataset"]["id"])
        runs = experiments.list_experiments(conn, dataset=context["dataset"]["id"], limit=EXPERIMENTS_SHOWN).items
    context.update(versions=versions, experiments=runs, metrics=metric_names(runs), section="datasets")
    return render(request, "dataset.html", context)
