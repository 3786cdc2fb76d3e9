"""The shape of a big trace (who is whose child, where the errors are), so the trace view can
load subtrees on demand instead of sending every span.

The shape is read once per trace version from narrow columns (no payloads) and kept in a
small in-process cache; a child list then costs one indexed read of just those spans."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from spyglass.server.store import tables as t
from spyglass.server.store.trace_tree import SKELETON_COLUMNS, SKELETON_FIELDS, skeleton_row

# Lazy rows carry, after the skeleton fields, how many children a span has, whether a failure
# lies below it, and its depth in the tree.
LAZY_FIELDS = (*SKELETON_FIELDS, "kids", "err_below", "depth")
CACHED_SHAPES = 3
READ_CHUNK = 900  # ids per IN (...) read, under SQLite's parameter limit


@dataclass
class Shape:
    version: tuple[Any, ...]
    children: dict[str | None, list[str]] = field(default_factory=dict)  # None: the roots
    parent: dict[str, str | None] = field(default_factory=dict)
    err_below: set[str] = field(default_factory=set)
    t0: int | None = None
    t1: int | None = None

    def depth(self, span_id: str) -> int:
        depth, node = 0, self.parent.get(span_id)
        while node is not None:
            depth, node = depth + 1, self.parent.get(node)
        return depth

    def ancestors(self, span_id: str) -> list[str]:
        """From the root down to the parent of `span_id`."""
        chain, node = [], self.parent.get(span_id)
        while node is not None:
            chain.append(node)
            node = self.parent.get(node)
        return chain[::-1]


_cache: OrderedDict[str, Shape] = OrderedDict()
_lock = threading.Lock()


def _build(conn: Connection, trace_id: str, version: tuple[Any, ...]) -> Shape:
    s = t.span.c
    rows = conn.execute(select(s.id, s.parent_span_id, s.start_time, s.end_time, s.error.is_not(None))
                        .where(s.trace_id == trace_id).order_by(s.start_time, s.pk)).all()
    shape = Shape(version)
    known = {r[0] for r in rows}
    starts = [r[2] for r in rows if r[2] is not None]
    ends = [r[3] for r in rows if r[3] is not None]
    shape.t0, shape.t1 = min(starts, default=None), max(ends + starts, default=None)
    failed = []
    for span_id, parent, _start, _end, has_error in rows:
        parent = parent if parent in known and parent != span_id else None
        shape.parent[span_id] = parent
        shape.children.setdefault(parent, []).append(span_id)
        if has_error:
            failed.append(span_id)
    for span_id in failed:  # mark every ancestor of a failure
        node = shape.parent.get(span_id)
        while node is not None and node not in shape.err_below:
            shape.err_below.add(node)
            node = shape.parent.get(node)
    return shape


def trace_shape(conn: Connection, trace_id: str) -> Shape:
    """The cached shape of a trace, rebuilt when the trace row has changed (every span write
    stamps its trace's `updated_at` and totals)."""
    tc = t.trace.c
    row = conn.execute(select(tc.updated_at, tc.span_count, tc.error_span_count, tc.end_time)
                       .where(tc.id == trace_id)).first()
    version = tuple(row) if row is not None else ()
    with _lock:
        cached = _cache.get(trace_id)
        if cached is not None and cached.version == version:
            _cache.move_to_end(trace_id)
            return cached
    shape = _build(conn, trace_id, version)
    with _lock:
        _cache[trace_id] = shape
        while len(_cache) > CACHED_SHAPES:
            _cache.popitem(last=False)
    return shape


def lazy_rows(conn: Connection, shape: Shape, ids: list[str]) -> list[list[Any]]:
    """Skeleton rows of `ids` (in that order) with their child count, error flag and depth."""
    found: dict[str, list[Any]] = {}
    for i in range(0, len(ids), READ_CHUNK):
        chunk = ids[i:i + READ_CHUNK]
        for r in conn.execute(select(*SKELETON_COLUMNS).where(t.span.c.id.in_(chunk))):
            found[r.id] = skeleton_row(r)
    rows = []
    for span_id in ids:
        row = found.get(span_id)
        if row is not None:
            rows.append([*row, len(shape.children.get(span_id, ())), span_id in shape.err_below,
                         shape.depth(span_id)])
    return rows


def first_levels(shape: Shape, levels: int, limit: int, selected: str | None = None) -> tuple[list[str], list[str]]:
    """Ids to send when a big trace opens: the first `levels` levels (breadth first, up to
    `limit` spans) plus the path to `selected`. Also returns the spans whose children are all sent."""
    ids: list[str] = []
    expanded: list[str] = []
    frontier: list[str | None] = [None]
    for _ in range(levels):
        next_frontier: list[str | None] = []
        for parent in frontier:
            kids = shape.children.get(parent, [])
            if len(ids) + len(kids) > limit:
                if parent is None:  # more top-level spans than the limit: the first ones
                    ids.extend(kids[:limit])
                return _with_path(shape, ids, expanded, selected)
            ids.extend(kids)
            if parent is not None:
                expanded.append(parent)
            next_frontier.extend(kids)
        frontier = next_frontier
    return _with_path(shape, ids, expanded, selected)


def _with_path(shape: Shape, ids: list[str], expanded: list[str], selected: str | None
               ) -> tuple[list[str], list[str]]:
    if not selected or selected not in shape.parent:
        return ids, expanded
    have, opened = set(ids), set(expanded)
    for ancestor in [*shape.ancestors(selected), selected]:
        parent = shape.parent.get(ancestor)
        if parent is not None and parent not in opened:
            siblings = shape.children.get(parent, [])
            ids.extend(s for s in siblings if s not in have)
            have.update(siblings)
            expanded.append(parent)
            opened.add(parent)
        elif ancestor not in have:
            ids.append(ancestor)
            have.add(ancestor)
    return ids, expanded


def search_ids(conn: Connection, shape: Shape, trace_id: str, text: str, limit: int) -> list[str]:
    """Spans whose name or model contains `text` (case-insensitive), with their ancestors."""
    s = t.span.c
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (select(s.id).where(s.trace_id == trace_id)
             .where(s.name.ilike(pattern, escape="\\") | s.model.ilike(pattern, escape="\\"))
             .order_by(s.start_time, s.pk).limit(limit))
    matches = [r[0] for r in conn.execute(query)]
    ids: list[str] = []
    seen: set[str] = set()
    for span_id in matches:
        for node in [*shape.ancestors(span_id), span_id]:
            if node not in seen:
                seen.add(node)
                ids.append(node)
    return ids
