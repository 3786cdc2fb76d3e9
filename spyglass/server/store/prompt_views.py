"""Prompt and prompt-version rows as the API's Prompt and Version objects."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Row

from spyglass.server.errors import NotFound
from spyglass.server.model.convert import from_us, load_json
from spyglass.server.store import tables as t
from spyglass.server.store.named import chunks
from spyglass.server.store.prompt_templates import chat_messages, variables


def latest_row(conn: Connection, prompt_id: str) -> Row[Any] | None:
    """The prompt's highest version row, or None."""
    pv = t.prompt_version.c
    return conn.execute(select(t.prompt_version).where(pv.prompt_id == prompt_id)
                        .order_by(pv.version.desc()).limit(1)).first()


def version_row(conn: Connection, version_id: str) -> Row[Any]:
    """A version row by its id; NotFound when there is none."""
    found = conn.execute(select(t.prompt_version).where(t.prompt_version.c.id == version_id)).first()
    if found is None:
        raise NotFound(f"prompt version {version_id!r} not found")
    return found


def get_prompt_version(conn: Connection, version_id: str) -> dict[str, Any]:
    """The Version view by version id."""
    return version_view(conn, version_row(conn, version_id))


def _labels_by_version(conn: Connection, prompt_ids: list[str]) -> dict[str, list[str]]:
    pl = t.prompt_label.c
    found: dict[str, list[str]] = defaultdict(list)
    for chunk in chunks(prompt_ids):
        for r in conn.execute(select(pl.version_id, pl.label).where(pl.prompt_id.in_(chunk)).order_by(pl.label)):
            found[r.version_id].append(r.label)
    return found


def _names(conn: Connection, prompt_ids: list[str]) -> dict[str, str]:
    p = t.prompt.c
    return {r.id: r.name for r in conn.execute(select(p.id, p.name).where(p.id.in_(prompt_ids)))}


def version_view(conn: Connection, row: Any, labels: list[str] | None = None,
                 name: str | None = None) -> dict[str, Any]:
    """A prompt_version row as the API's Version (labels and prompt name read when not given)."""
    if labels is None:
        labels = _labels_by_version(conn, [row.prompt_id]).get(row.id, [])
    if name is None:
        name = _names(conn, [row.prompt_id]).get(row.prompt_id)
    chat = row.template_structure == "chat"
    return {
        "id": row.id, "prompt_id": row.prompt_id, "name": name, "version": row.version, "commit": row.commit,
        "template": chat_messages(row.template) if chat else row.template,
        "template_structure": row.template_structure, "type": row.type,
        "metadata": load_json(row.metadata) or {}, "change_description": row.change_description,
        "tags": load_json(row.tags) or [], "labels": labels,
        "variables": variables(row.template, row.template_structure, row.type),
        "created_at": from_us(row.created_at), "created_by": row.created_by,
    }


def versions_of(conn: Connection, prompt: Any) -> list[dict[str, Any]]:
    """Every version of a prompt row, newest first."""
    pv = t.prompt_version.c
    labels = _labels_by_version(conn, [prompt.id])
    rows = conn.execute(select(t.prompt_version).where(pv.prompt_id == prompt.id).order_by(pv.version.desc()))
    return [version_view(conn, r, labels.get(r.id, []), prompt.name) for r in rows]


def prompt_views(conn: Connection, prompts: list[Any]) -> list[dict[str, Any]]:
    """Prompt rows as the API's Prompt: latest version, labels {label: version number}, version count."""
    ids = [p.id for p in prompts]
    pv, pl = t.prompt_version.c, t.prompt_label.c
    counts: dict[str, tuple[int, int]] = {}
    label_map: dict[str, dict[str, int]] = defaultdict(dict)
    latest: dict[str, Any] = {}
    for chunk in chunks(ids):
        for r in conn.execute(select(pv.prompt_id, func.count(), func.max(pv.version))
                              .where(pv.prompt_id.in_(chunk)).group_by(pv.prompt_id)):
            counts[r[0]] = (r[1], r[2])
        for r in conn.execute(select(pl.prompt_id, pl.label, pv.version).join(t.prompt_version,
                                                                               pv.id == pl.version_id)
                              .where(pl.prompt_id.in_(chunk)).order_by(pl.label)):
            label_map[r.prompt_id][r.label] = r.version
        wanted = [(prompt_id, top) for prompt_id, (_, top) in counts.items() if prompt_id in chunk]
        for r in conn.execute(select(t.prompt_version).where(pv.prompt_id.in_(chunk))
                              .where(pv.version.in_(sorted({top for _, top in wanted})))):
            if counts[r.prompt_id][1] == r.version:
                latest[r.prompt_id] = r
    by_version = _labels_by_version(conn, ids)
    return [{
        "id": p.id, "name": p.name, "description": p.description, "tags": load_json(p.tags) or [],
        "created_at": from_us(p.created_at), "updated_at": from_us(p.updated_at),
        "version_count": counts.get(p.id, (0, 0))[0],
        "latest_version": version_view(conn, latest[p.id], by_version.get(latest[p.id].id, []), p.name)
        if p.id in latest else None,
        "labels": label_map.get(p.id, {}),
    } for p in prompts]
