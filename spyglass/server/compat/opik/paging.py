"""Opik's paging (page/size/total, and streams resumed after the last id sent) over the store's
keyset pages (queries.list_* with a cursor), without offsets in SQL.

A numbered page walks the keyset pages before it; a stream resumed after an id restarts at
that record's sort value. Totals are exact up to COUNT_LIMIT matches; past that the walk stops
and the total reads COUNT_LIMIT (unfiltered trace and span totals come from the rollups instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
from starlette.responses import Response

from spyglass.server.errors import BadRequest
from spyglass.server.store.queries import MAX_LIMIT, Page

COUNT_LIMIT = 10_000
MAX_PAGE_SIZE = 2_000  # the largest page the opik SDK asks for

Fetch = Callable[[int, str | None], Page]  # (limit, cursor) -> one keyset page


def walk(fetch: Fetch, chunk: int = MAX_LIMIT) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        page = fetch(chunk, cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def check_page(page: int | None, size: int | None, default_size: int = 10) -> tuple[int, int]:
    page, size = page or 1, size or default_size
    if page < 1:
        raise BadRequest("page: must be 1 or more")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(f"size: must be between 1 and {MAX_PAGE_SIZE}")
    return page, size


def numbered_page(fetch: Fetch, page: int, size: int, *, known_total: int | None = None
                  ) -> tuple[list[dict[str, Any]], int]:
    """The items of page `page` (1-based) and the total (exact, or as described above)."""
    start = (page - 1) * size
    items: list[dict[str, Any]] = []
    seen = 0
    for item in walk(fetch, min(MAX_LIMIT, max(start + size, 50))):
        if start <= seen < start + size:
            items.append(item)
        seen += 1
        if seen >= start + size and (known_total is not None or seen >= COUNT_LIMIT):
            break
    return items, known_total if known_total is not None else seen


def resumed(fetch: Fetch, limit: int, last_id: str | None,
            tied: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
    """Up to `limit` items after the one with id `last_id` (the first ones when None).

    With `tied`, `fetch` starts at the last item's sort value and `tied(item)` tells whether an
    item still shares it: only those are skipped, and a vanished last item costs nothing.
    Without it, items are skipped until `last_id` shows up."""
    out: list[dict[str, Any]] = []
    found = last_id is None
    for item in walk(fetch, min(MAX_LIMIT, limit + 1)):
        if not found and item["id"] == last_id:
            found = True
            continue
        if not found and tied is not None and not tied(item):
            found = True
        if found:
            out.append(item)
            if len(out) >= limit:
                break
    return out


def page_body(items: list[dict[str, Any]], page: int, size: int, total: int, sortable: list[str]) -> dict[str, Any]:
    return {"page": page, "size": len(items), "total": total, "content": items, "sortableBy": sortable}


def ndjson(items: list[dict[str, Any]]) -> Response:
    body = b"".join(orjson.dumps(item, option=orjson.OPT_NON_STR_KEYS) + b"\n" for item in items)
    return Response(body, media_type="application/x-ndjson")
