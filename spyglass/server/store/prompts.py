"""The prompt library: prompts, their numbered versions, and labels that point at versions.

Every function takes a Connection; writes expect to run inside `store.engine.begin()`.
A prompt is named by its name or id. Labels ('production', 'staging', any [a-z0-9_-]{1,40}) move
between versions; 'latest' is implicit (the highest version) and never stored.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from spyglass.server.errors import BadRequest, Conflict, NotFound
from spyglass.server.model.convert import load_json, now_us
from spyglass.server.model.ids import uuid7
from spyglass.server.store import tables as t
from spyglass.server.store.named import find_named, json_param, like_pattern, name_or_id, newest_first
from spyglass.server.store.projects import DEFAULT_WORKSPACE_ID
from spyglass.server.store.prompt_templates import diff_lines, normalize_template
from spyglass.server.store.prompt_views import latest_row, prompt_views, version_row, version_view, versions_of
from spyglass.server.store.queries import Page

LABEL = re.compile(r"^[a-z0-9_-]{1,40}$")


def check_label(label: str, field: str = "label") -> str:
    """A valid label name, or BadRequest naming the field."""
    if not LABEL.match(label) or label == "latest":
        raise BadRequest(f"{field}: {label!r} is not a label name ([a-z0-9_-]{{1,40}}, not 'latest')",
                         detail={"field": field})
    return label


def find_prompt(conn: Connection, prompt: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> Row[Any] | None:
    """The prompt row by name or id, or None."""
    return find_named(conn, t.prompt, prompt, workspace_id)


def require_prompt(conn: Connection, prompt: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> Row[Any]:
    """The prompt row by name or id; NotFound when there is none."""
    row = find_prompt(conn, prompt, workspace_id)
    if row is None:
        raise NotFound(f"prompt {prompt!r} not found")
    return row


def _lock(conn: Connection, prompt: str, workspace_id: str) -> Row[Any] | None:
    """Take the prompt's write lock first (see datasets.lock_dataset), then read it."""
    conn.execute(update(t.prompt).where(name_or_id(t.prompt, prompt, workspace_id))
                 .values(updated_at=t.prompt.c.updated_at))
    return find_prompt(conn, prompt, workspace_id)


def create_prompt_version(conn: Connection, name: str, template: Any, *, template_structure: str = "text",
                          type: str = "mustache", metadata: dict[str, Any] | None = None,
                          change_description: str | None = None, labels: list[str] | None = None,
                          description: str | None = None, tags: list[str] | None = None,
                          created_by: str | None = None, version_id: str | None = None, commit: str | None = None,
                          workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Add a version to a prompt, creating the prompt when absent. A version equal to the latest (template,
    structure, type, metadata) is not added: the latest is returned. -> {prompt, version, created}."""
    text = normalize_template(template, template_structure, type)
    labels = [check_label(label, f"labels.{n}") for n, label in enumerate(labels or [])]
    row = _lock(conn, name, workspace_id) or _insert_prompt(conn, name, description, tags, workspace_id)
    _touch(conn, row.id, description=description, tags=tags)
    latest = latest_row(conn, row.id)
    same = latest is not None and (latest.template, latest.template_structure, latest.type) == (
        text, template_structure, type) and (load_json(latest.metadata) or {}) == (metadata or {})
    if same:
        version_id = latest.id
    else:
        version_id = _insert_version(conn, row.id, (latest.version if latest else 0) + 1, version_id, commit, {
            "template": text, "template_structure": template_structure, "type": type,
            "metadata": json_param(conn, metadata or {}), "change_description": change_description,
            "tags": json_param(conn, []), "created_by": created_by})
    for label in labels:
        _point(conn, row.id, label, version_id)
    version = version_view(conn, version_row(conn, version_id))
    return {"prompt": get_prompt(conn, row.id, workspace_id), "version": version, "created": not same}


def _insert_prompt(conn: Connection, name: str, description: str | None, tags: list[str] | None,
                   workspace_id: str) -> Row[Any]:
    now = now_us()
    try:
        conn.execute(t.prompt.insert().values(id=uuid7(), workspace_id=workspace_id, name=name,
                                              description=description, tags=json_param(conn, tags or []),
                                              project_id=None, created_at=now, updated_at=now))
    except IntegrityError:
        raise Conflict(f"prompt {name!r} was created at the same time; retry") from None
    return require_prompt(conn, name, workspace_id)


def _insert_version(conn: Connection, prompt_id: str, number: int, version_id: str | None, commit: str | None,
                    fields: dict[str, Any]) -> str:
    """Insert version `number`; its commit is the last 8 hex digits of its id unless one is given."""
    pv = t.prompt_version.c
    taken = set(conn.execute(select(pv.commit).where(pv.prompt_id == prompt_id)).scalars())
    if commit is not None and commit in taken:
        raise Conflict(f"commit {commit!r} already exists for this prompt")
    if version_id is not None and conn.execute(select(pv.id).where(pv.id == version_id)).first() is not None:
        raise Conflict(f"prompt version {version_id!r} already exists")
    new_id = version_id or uuid7()
    while commit is None and new_id.replace("-", "")[-8:] in taken:
        new_id = uuid7()  # 1 in 4 billion per version: draw another id rather than share a commit
    conn.execute(t.prompt_version.insert().values(
        id=new_id, prompt_id=prompt_id, version=number, commit=commit or new_id.replace("-", "")[-8:],
        created_at=now_us(), **fields))
    return new_id


def _touch(conn: Connection, prompt_id: str, **fields: Any) -> None:
    values: dict[str, Any] = {"updated_at": now_us()}
    if fields.get("name") is not None:
        values["name"] = fields["name"]
    if fields.get("description") is not None:
        values["description"] = fields["description"]
    if fields.get("tags") is not None:
        values["tags"] = json_param(conn, fields["tags"])
    conn.execute(update(t.prompt).where(t.prompt.c.id == prompt_id).values(**values))


def get_prompt(conn: Connection, prompt: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """The Prompt view (latest version, labels, version count) by name or id."""
    return prompt_views(conn, [require_prompt(conn, prompt, workspace_id)])[0]


def list_prompts(conn: Connection, *, name_contains: str | None = None, limit: int = 50, cursor: str | None = None,
                 workspace_id: str = DEFAULT_WORKSPACE_ID) -> Page:
    """Prompts newest first, optionally those whose name contains a text (case-insensitive)."""
    query = select(t.prompt).where(t.prompt.c.workspace_id == workspace_id)
    if name_contains:
        query = query.where(func.lower(t.prompt.c.name).like(like_pattern(name_contains), escape="\\"))
    rows, next_cursor = newest_first(conn, query, t.prompt, limit, cursor)
    return Page(prompt_views(conn, rows), next_cursor)


def update_prompt(conn: Connection, prompt: str, *, name: str | None = None, description: str | None = None,
                  tags: list[str] | None = None, workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Rename a prompt or change its description or tags (None: kept)."""
    row = _lock(conn, prompt, workspace_id)
    if row is None:
        raise NotFound(f"prompt {prompt!r} not found")
    p = t.prompt.c
    if name is not None and name != row.name and conn.execute(
            select(p.id).where(p.workspace_id == workspace_id, p.name == name)).first() is not None:
        raise Conflict(f"prompt {name!r} already exists")
    _touch(conn, row.id, name=name, description=description, tags=tags)
    return get_prompt(conn, row.id, workspace_id)


def delete_prompt(conn: Connection, prompt: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> None:
    """Delete a prompt with its versions and labels."""
    row = _lock(conn, prompt, workspace_id)
    if row is None:
        raise NotFound(f"prompt {prompt!r} not found")
    conn.execute(delete(t.prompt_label).where(t.prompt_label.c.prompt_id == row.id))
    conn.execute(delete(t.prompt_version).where(t.prompt_version.c.prompt_id == row.id))
    conn.execute(delete(t.prompt).where(t.prompt.c.id == row.id))


def list_prompt_versions(conn: Connection, prompt: str,
                         workspace_id: str = DEFAULT_WORKSPACE_ID) -> list[dict[str, Any]]:
    """All versions of a prompt, newest first."""
    return versions_of(conn, require_prompt(conn, prompt, workspace_id))


def resolve_prompt_version(conn: Connection, prompt: str, *, label: str | None = None, version: int | None = None,
                           commit: str | None = None, workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """The version named by one of label, version or commit; by default the 'production' label's version
    if that label is set, else the latest. An explicit label, version or commit that is missing: NotFound."""
    if sum(x is not None for x in (label, version, commit)) > 1:
        raise BadRequest("label: give only one of label, version or commit", detail={"field": "label"})
    row = require_prompt(conn, prompt, workspace_id)
    pv, pl = t.prompt_version.c, t.prompt_label.c
    if version is not None:
        found = conn.execute(select(t.prompt_version).where(pv.prompt_id == row.id, pv.version == version)).first()
        what = f"version {version}"
    elif commit is not None:
        found = conn.execute(select(t.prompt_version).where(pv.prompt_id == row.id, pv.commit == commit)).first()
        what = f"commit {commit!r}"
    elif label is not None and label != "latest":
        found = conn.execute(select(t.prompt_version).join(t.prompt_label, pl.version_id == pv.id)
                             .where(pl.prompt_id == row.id, pl.label == label)).first()
        what = f"label {label!r}"
    else:
        found = conn.execute(select(t.prompt_version).join(t.prompt_label, pl.version_id == pv.id)
                             .where(pl.prompt_id == row.id, pl.label == "production")).first() if label is None \
            else None
        found = found or latest_row(conn, row.id)
        what = "any version"
    if found is None:
        raise NotFound(f"prompt {row.name!r} has no {what}")
    return version_view(conn, found)


def set_label(conn: Connection, prompt: str, label: str, version: int,
              workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """Point a label at a version (moving it from the version that had it); returns that version."""
    check_label(label)
    row = _lock(conn, prompt, workspace_id)
    if row is None:
        raise NotFound(f"prompt {prompt!r} not found")
    pv = t.prompt_version.c
    target = conn.execute(select(t.prompt_version).where(pv.prompt_id == row.id, pv.version == version)).first()
    if target is None:
        raise NotFound(f"version: prompt {row.name!r} has no version {version}", detail={"field": "version"})
    _point(conn, row.id, label, target.id)
    return version_view(conn, target)


def remove_label(conn: Connection, prompt: str, label: str, workspace_id: str = DEFAULT_WORKSPACE_ID) -> None:
    """Remove a label from the prompt; NotFound when it is not set."""
    row = _lock(conn, prompt, workspace_id)
    if row is None:
        raise NotFound(f"prompt {prompt!r} not found")
    pl = t.prompt_label.c
    if not conn.execute(delete(t.prompt_label).where(pl.prompt_id == row.id, pl.label == label)).rowcount:
        raise NotFound(f"prompt {row.name!r} has no label {label!r}")


def _point(conn: Connection, prompt_id: str, label: str, version_id: str) -> None:
    pl = t.prompt_label.c
    conn.execute(delete(t.prompt_label).where(pl.prompt_id == prompt_id, pl.label == label))
    conn.execute(t.prompt_label.insert().values(prompt_id=prompt_id, label=label, version_id=version_id,
                                                updated_at=now_us()))


def diff_versions(conn: Connection, prompt: str, *, from_version: int | None = None, to_version: int | None = None,
                  workspace_id: str = DEFAULT_WORKSPACE_ID) -> dict[str, Any]:
    """A unified diff between two versions (default: the latest against the one before it)."""
    row = require_prompt(conn, prompt, workspace_id)
    pv = t.prompt_version.c
    if to_version is None:
        latest = latest_row(conn, row.id)
        to_version = latest.version if latest else 0
    from_version = max(to_version - 1, 1) if from_version is None else from_version
    found = {r.version: r for r in conn.execute(select(t.prompt_version).where(
        pv.prompt_id == row.id, pv.version.in_([from_version, to_version])))}
    for field, number in (("from", from_version), ("to", to_version)):
        if number not in found:
            raise NotFound(f"{field}: prompt {row.name!r} has no version {number}", detail={"field": field})
    old, new = found[from_version], found[to_version]
    lines = diff_lines((old.template, old.template_structure), (new.template, new.template_structure),
                       f"v{from_version}", f"v{to_version}")
    return {"from": version_view(conn, old), "to": version_view(conn, new), "diff": lines}
