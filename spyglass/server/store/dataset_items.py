"""Dataset items and versions: insert (deduplicated, upsert by id), update, delete, read at any version.

An item row lives from `added_version` until `removed_version`; every change that changes
something bumps the dataset's version by one and records it in `dataset_version`. Write
functions take the dataset's lock first (see datasets.lock_dataset) and run in the caller's
transaction. Raw items are plain dicts: {id?, data?, input?, expected_output?, metadata?,
source?, trace_id?, span_id?, tags?}; any other key becomes a key of `data` too.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from spyglass.server.errors import BadRequest, NotFound
from spyglass.server.model.convert import from_us, load_json, now_us
from spyglass.server.model.ids import uuid7
from spyglass.server.store import tables as t
from spyglass.server.store.datasets import ITEM_SOURCES, lock_dataset, require_dataset
from spyglass.server.store.named import chunks, json_param
from spyglass.server.store.pagination import decode_cursor, encode_cursor
from spyglass.server.store.projects import DEFAULT_WORKSPACE_ID
from spyglass.server.store.queries import check_limit

DATA_KEYS = ("input", "expected_output", "metadata")
ITEM_FIELDS = ("id", "data", "source", "trace_id", "span_id", "tags", *DATA_KEYS)


def content_hash(data: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of an item's data (sorted keys)."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)).hexdigest()


def prepare_item(raw: dict[str, Any], *, source: str = "api", field: str = "item",
                 base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A raw item as a row's values: data merged from `data`, the native keys and any extra keys.

    `base` (an update) supplies the fields the raw item leaves out."""
    base = base or {}
    data = raw.get("data")
    if data is None:
        data = dict(base.get("data") or {})
    elif not isinstance(data, dict):
        raise BadRequest(f"{field}.data: must be a JSON object", detail={"field": f"{field}.data"})
    else:
        data = dict(data)
    for key, value in raw.items():
        if key in DATA_KEYS and value is not None or key not in ITEM_FIELDS:
            data[key] = value
    item_source = raw.get("source") or base.get("source") or source
    if item_source not in ITEM_SOURCES:
        raise BadRequest(f"{field}.source: must be one of {', '.join(ITEM_SOURCES)}",
                         detail={"field": f"{field}.source"})
    tags = raw.get("tags") if raw.get("tags") is not None else base.get("tags")
    return {"id": raw.get("id"), "data": data, "content_hash": content_hash(data), "source": item_source,
            "trace_id": raw.get("trace_id") or base.get("trace_id"),
            "span_id": raw.get("span_id") or base.get("span_id"), "tags": tags or []}


def insert_items(conn: Connection, dataset: str, items: list[dict[str, Any]], *, source: str = "api",
                 workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Add items as one new version: duplicates of current items (same content) are skipped, an item whose
    id is current replaces it. Returns {inserted, updated, skipped_duplicates, version, ids (input order)}."""
    row = lock_dataset(conn, dataset, workspace_id)
    prepared = [prepare_item(raw, source=source, field=f"items.{i}") for i, raw in enumerate(items)]
    current = _current_by_id(conn, row.id, [p["id"] for p in prepared if p["id"]])
    by_hash = _current_by_hash(conn, row.id, [p["content_hash"] for p in prepared])
    pending: dict[str, dict[str, Any]] = {}
    ids: list[str] = []
    skipped = 0
    for item in prepared:
        item_id = item["id"]
        known = pending.get(item_id) or current.get(item_id) if item_id else None
        duplicate = None if known else by_hash.get(item["content_hash"])
        if (known and known["content_hash"] == item["content_hash"]) or duplicate:
            skipped += 1
            ids.append(item_id if known else duplicate)
            continue
        item["id"] = item_id = item_id or uuid7()
        pending[item_id] = item
        by_hash.setdefault(item["content_hash"], item_id)
        ids.append(item_id)
    updated = [i for i in pending if i in current]
    result = {"inserted": len(pending) - len(updated), "updated": len(updated), "skipped_duplicates": skipped,
              "version": row.version, "ids": ids}
    if pending:
        result["version"] = _write_version(conn, row, list(pending.values()), current, updated)
    return result


def update_item(conn: Connection, dataset: str, item_id: str, fields: dict[str, Any], *,
                workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Change one current item (given fields win, `data` replaces the whole object) as a new version."""
    row = lock_dataset(conn, dataset, workspace_id)
    current = _current_by_id(conn, row.id, [item_id])
    if item_id not in current:
        raise NotFound(f"item {item_id!r} not found in dataset {row.name!r}")
    old = current[item_id]
    item = prepare_item({**fields, "id": item_id}, field="item", base=old)
    if any(item[k] != old[k] for k in ("content_hash", "source", "trace_id", "span_id", "tags")):
        _write_version(conn, row, [item], current, [item_id])
    return get_item(conn, row.id, item_id)


def delete_items(conn: Connection, dataset: str, ids: list[str], *,
                 workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Remove current items as one new version; unknown ids are ignored. Returns {deleted, version}."""
    row = lock_dataset(conn, dataset, workspace_id)
    new, now, i = row.version + 1, now_us(), t.dataset_item.c
    deleted = 0
    for chunk in chunks(sorted(set(ids))):
        deleted += conn.execute(update(t.dataset_item).where(i.dataset_id == row.id, i.removed_version.is_(None),
                                                             i.id.in_(chunk))
                                .values(removed_version=new, updated_at=now)).rowcount
    if not deleted:
        return {"deleted": 0, "version": row.version}
    _record_version(conn, row, new, f"delete {_count(deleted)}", _item_count(conn, row) - deleted)
    return {"deleted": deleted, "version": new}


def list_items(conn: Connection, dataset: str, *, version: int | None = None, limit: int = 100,
               cursor: str | None = None, workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """One page of the items at a version (default: current), oldest first: {items, next_cursor, version}."""
    row = require_dataset(conn, dataset, workspace_id)
    version = row.version if version is None else version
    if not 0 <= version <= row.version:
        raise NotFound(f"version: dataset {row.name!r} has no version {version} (versions 0..{row.version})",
                       detail={"field": "version"})
    i = t.dataset_item.c
    query = select(t.dataset_item).where(i.dataset_id == row.id, live_at(version, row.version))
    if cursor:
        query = query.where(i.pk > decode_cursor(cursor)[1])
    rows = conn.execute(query.order_by(i.pk).limit(check_limit(limit) + 1)).all()
    next_cursor = encode_cursor(rows[limit - 1].pk, rows[limit - 1].pk) if len(rows) > limit else None
    return {"items": [item_view(r) for r in rows[:limit]], "next_cursor": next_cursor, "version": version}


def get_item(conn: Connection, dataset_id: str, item_id: str) -> dict[str, Any]:
    """The current Item view of one item."""
    i = t.dataset_item.c
    found = conn.execute(select(t.dataset_item).where(i.dataset_id == dataset_id, i.id == item_id,
                                                      i.removed_version.is_(None))).first()
    if found is None:
        raise NotFound(f"item {item_id!r} not found")
    return item_view(found)


def list_versions(conn: Connection, dataset: str, *, workspace_id: str = DEFAULT_WORKSPACE_ID) -> list[dict[str, Any]]:
    """The dataset's versions, newest first: [{version, created_at, change, item_count}]."""
    row = require_dataset(conn, dataset, workspace_id)
    v = t.dataset_version.c
    rows = conn.execute(select(t.dataset_version).where(v.dataset_id == row.id).order_by(v.version.desc()))
    return [{"version": r.version, "created_at": from_us(r.created_at), "change": r.change,
             "item_count": r.item_count} for r in rows]


def live_at(version: int, current_version: int) -> Any:
    """Item rows that belong to `version` (current rows need no range check and use the index)."""
    i = t.dataset_item.c
    if version >= current_version:
        return i.removed_version.is_(None)
    return and_(i.added_version <= version, or_(i.removed_version.is_(None), i.removed_version > version))


def item_view(row: Any) -> dict[str, Any]:
    """A dataset_item row as the API's Item."""
    data = load_json(row.data) or {}
    return {"id": row.id, "data": data, "input": data.get("input"), "expected_output": data.get("expected_output"),
            "metadata": data.get("metadata"), "source": row.source, "trace_id": row.trace_id,
            "span_id": row.span_id, "tags": load_json(row.tags) or [], "content_hash": row.content_hash,
            "created_at": from_us(row.created_at), "updated_at": from_us(row.updated_at)}


def _current_by_id(conn: Connection, dataset_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    i = t.dataset_item.c
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sorted(set(ids))):
        for r in conn.execute(select(t.dataset_item).where(i.dataset_id == dataset_id, i.removed_version.is_(None),
                                                           i.id.in_(chunk))):
            found[r.id] = {"content_hash": r.content_hash, "created_at": r.created_at, "data": load_json(r.data),
                           "source": r.source, "trace_id": r.trace_id, "span_id": r.span_id,
                           "tags": load_json(r.tags) or []}
    return found


def _current_by_hash(conn: Connection, dataset_id: str, hashes: list[str]) -> dict[str, str]:
    i = t.dataset_item.c
    found: dict[str, str] = {}
    for chunk in chunks(sorted(set(hashes))):
        for r in conn.execute(select(i.content_hash, i.id).where(i.dataset_id == dataset_id,
                                                                 i.removed_version.is_(None),
                                                                 i.content_hash.in_(chunk))):
            found.setdefault(r.content_hash, r.id)
    return found


def _write_version(conn: Connection, row: Any, items: list[dict[str, Any]], current: dict[str, dict[str, Any]],
                   updated: list[str]) -> int:
    """Retire the updated items' rows, add the new rows, record the version; returns its number."""
    new, now, i = row.version + 1, now_us(), t.dataset_item.c
    for chunk in chunks(updated):
        conn.execute(update(t.dataset_item).where(i.dataset_id == row.id, i.removed_version.is_(None),
                                                  i.id.in_(chunk)).values(removed_version=new, updated_at=now))
    conn.execute(t.dataset_item.insert(), [
        {"id": item["id"], "dataset_id": row.id, "data": json_param(conn, item["data"]),
         "content_hash": item["content_hash"], "source": item["source"], "trace_id": item["trace_id"],
         "span_id": item["span_id"], "tags": json_param(conn, item["tags"]), "added_version": new,
         "removed_version": None, "created_at": current.get(item["id"], {}).get("created_at", now),
         "updated_at": now} for item in items])
    inserted = len(items) - len(updated)
    change = ", ".join(part for part in (f"insert {_count(inserted)}" if inserted else "",
                                         f"update {_count(len(updated))}" if updated else "") if part)
    _record_version(conn, row, new, change, _item_count(conn, row) + inserted)
    return new


def _item_count(conn: Connection, row: Any) -> int:
    """Items in the dataset's current (pre-change) version."""
    v = t.dataset_version.c
    count = conn.execute(select(v.item_count).where(v.dataset_id == row.id, v.version == row.version)).scalar()
    return int(count or 0)


def _record_version(conn: Connection, row: Any, version: int, change: str, item_count: int) -> None:
    now = now_us()
    conn.execute(t.dataset_version.insert().values(dataset_id=row.id, version=version, created_at=now,
                                                   change=change, item_count=item_count))
    conn.execute(update(t.dataset).where(t.dataset.c.id == row.id).values(version=version, updated_at=now))


def _count(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"



def items_from_traces(conn: Connection, *, trace_ids: list[str] | None = None,
                      span_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Raw items made from traces or spans: input, output as expected_output, the source ids in metadata.

    NotFound names the ids that do not exist."""
    table, kind, wanted = (t.span, "span", span_ids) if span_ids else (t.trace, "trace", trace_ids or [])
    found: dict[str, Any] = {}
    for chunk in chunks(list(dict.fromkeys(wanted))):
        for r in conn.execute(select(table).where(table.c.id.in_(chunk))):
            found[r.id] = r
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"{kind}_ids: {kind} {', '.join(repr(m) for m in missing[:10])} not found",
                       detail={"field": f"{kind}_ids", "missing": missing})
    items = []
    for record_id in dict.fromkeys(wanted):
        r = found[record_id]
        trace_id = r.trace_id if kind == "span" else r.id
        metadata = {"source_trace_id": trace_id, **({"source_span_id": r.id} if kind == "span" else {})}
        items.append({"input": _decoded(r.input), "expected_output": _decoded(r.output), "metadata": metadata,
                      "source": kind, "trace_id": trace_id, "span_id": r.id if kind == "span" else None})
    return items


def _decoded(stored: Any) -> Any:
    """A stored input/output; a string that holds a JSON object or array is decoded."""
    value = load_json(stored)
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value
