"""Dataset item forms (add, edit, delete: each a new dataset version) and "add to dataset" from
traces (the traces table's bulk bar and the trace page)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from spyglass.server.api.deps import StoreDep
from spyglass.server.store import dataset_items, datasets
from spyglass.server.ui.errors import html_router
from spyglass.server.ui.forms import FormError, attempt, done, json_field, note, one, read_form
from spyglass.server.ui.i18n import language, translator
from spyglass.server.ui.render import render, to_json

router = html_router()
OPTIONS_LIMIT = 500
MAX_TRACES = 10_000


def item_fields(form: dict[str, list[str]]) -> dict[str, Any]:
    """input / expected_output / metadata typed as JSON (or plain text for the first two)."""
    fields = {"input": json_field(one(form, "input"), "input"),
              "expected_output": json_field(one(form, "expected_output"), "expected_output"),
              "metadata": json_field(one(form, "metadata"), "metadata", object_only=True)}
    if fields["input"] is None and fields["expected_output"] is None:
        raise FormError("input: give an input or an expected output")
    return fields


@router.post("/ui/datasets/{dataset_id}/items", response_class=HTMLResponse)
async def add_item(store: StoreDep, dataset_id: str, request: Request) -> Response:
    form = await read_form(request)

    def work() -> Response:
        item = {k: v for k, v in item_fields(form).items() if v is not None}
        with store.engine.begin() as conn:
            result = dataset_items.insert_items(conn, dataset_id, [item], source="ui")
        if result["skipped_duplicates"]:
            return note(request, "An identical item is already in the dataset: nothing was added.")
        return done(f"/datasets/{dataset_id}")

    return await attempt(request, work)


def _editable(value: Any) -> str:
    """A value as the edit form shows it: strings as they are, everything else as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else to_json(value)


@router.get("/ui/datasets/{dataset_id}/items/{item_id}/edit", response_class=HTMLResponse)
def edit_item_form(store: StoreDep, dataset_id: str, item_id: str, request: Request) -> Response:
    with store.read() as conn:
        ds = datasets.get_dataset(conn, dataset_id)
        item = dataset_items.get_item(conn, ds["id"], item_id)
    fields = {key: _editable(item[key]) for key in dataset_items.DATA_KEYS}
    return render(request, "_item_edit.html", {"dataset": ds, "item": item, "fields": fields})


@router.post("/ui/datasets/{dataset_id}/items/{item_id}", response_class=HTMLResponse)
async def update_item(store: StoreDep, dataset_id: str, item_id: str, request: Request) -> Response:
    form = await read_form(request)

    def work() -> Response:
        fields = item_fields(form)
        with store.engine.begin() as conn:
            ds = datasets.require_dataset(conn, dataset_id)
            data = dict(dataset_items.get_item(conn, ds.id, item_id)["data"])
            for key, value in fields.items():  # an emptied field removes the key
                if value is None:
                    data.pop(key, None)
                else:
                    data[key] = value
            dataset_items.update_item(conn, ds.id, item_id, {"data": data})
        return done(f"/datasets/{dataset_id}")

    return await attempt(request, work)


@router.post("/ui/datasets/{dataset_id}/items/{item_id}/delete", response_class=HTMLResponse)
async def delete_item(store: StoreDep, dataset_id: str, item_id: str, request: Request) -> Response:
    def work() -> Response:
        with store.engine.begin() as conn:
            dataset_items.delete_items(conn, dataset_id, [item_id])
        return done(f"/datasets/{dataset_id}")

    return await attempt(request, work)


@router.get("/ui/datasets/options", response_class=HTMLResponse)
def dataset_options(store: StoreDep) -> Response:
    """<option>s of the dataset names, for the "add to dataset" boxes (loaded when one is focused)."""
    with store.read() as conn:
        names = [d["name"] for d in datasets.list_datasets(conn, limit=OPTIONS_LIMIT).items]
    return HTMLResponse("".join(Markup('<option value="{0}">').format(name) for name in names))


def _trace_ids(form: dict[str, list[str]]) -> list[str]:
    ids = [i.strip() for value in form.get("trace_ids", []) for i in value.split(",") if i.strip()]
    if not ids:
        raise FormError("trace_ids: select one or more traces")
    if len(ids) > MAX_TRACES:
        raise FormError(f"trace_ids: at most {MAX_TRACES:,} traces at a time")
    return list(dict.fromkeys(ids))


@router.post("/ui/datasets/add-traces", response_class=HTMLResponse)
async def add_traces(store: StoreDep, request: Request) -> Response:
    """Items from traces (input, output as expected output) into a dataset, made when the name is new."""
    form = await read_form(request)

    def work() -> Response:
        name, ids = one(form, "dataset"), _trace_ids(form)
        if not name:
            raise FormError("dataset: pick a dataset or type a new name")
        with store.engine.begin() as conn:
            row = datasets.find_dataset(conn, name)
            ds_id = row.id if row is not None else datasets.create_dataset(conn, name)["id"]
            items = dataset_items.items_from_traces(conn, trace_ids=ids)
            result = dataset_items.insert_items(conn, ds_id, items)
        return _added(request, ds_id, name, result)

    return await attempt(request, work)


def _added(request: Request, dataset_id: str, name: str, result: dict[str, Any]) -> HTMLResponse:
    _ = translator(language(request))
    added = result["inserted"] + result["updated"]
    text = Markup('{0} <a href="/datasets/{1}">{2}</a>').format(_("Added to"), dataset_id, name)
    counts = f" — {added} {_('added')}, {result['skipped_duplicates']} {_('skipped as duplicates')}"
    return HTMLResponse(Markup('<span class="ok-note" role="status">{0}{1}</span>').format(text, escape(counts)))
