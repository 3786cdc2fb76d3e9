"""Synchronous JSON calls to the REST API, for the objects a caller waits on (datasets,
experiments, prompts, reads). Unlike tracing, these raise :class:`SpyglassAPIError`."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any, Iterator, Mapping
from urllib.parse import quote

from .transport import NETWORK_ERRORS, HttpTransport


class SpyglassAPIError(Exception):
    """A failed API call; ``status`` is the HTTP status, or 0 when the server was unreachable."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Spyglass API error {status}: {message}" if status else f"Spyglass unreachable: {message}")
        self.status = status
        self.message = message

    @property
    def unreachable(self) -> bool:
        """True when the server could not answer (down, or failing with a 5xx)."""
        return self.status == 0 or self.status >= 500


def segment(value: str) -> str:
    """A name or id as one URL path segment."""
    return quote(str(value), safe="")


def _error_message(body: bytes) -> str:
    text = body[:2000].decode("utf-8", "replace")
    try:
        doc = json.loads(text)
    except ValueError:
        return text[:500]
    if isinstance(doc, dict):
        message = doc.get("error") or doc.get("detail") or doc
        return message if isinstance(message, str) else json.dumps(message)[:500]
    return text[:500]


class Rest:
    """One server, one connection guarded by a lock (shared with the client's reads)."""

    def __init__(self, http: HttpTransport, lock: threading.Lock | None = None) -> None:
        self.http = http
        self.lock = lock or threading.Lock()

    @property
    def url(self) -> str:
        return self.http.base_url

    def call(self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        """Send one request and return the decoded JSON answer (``None`` for an empty one)."""
        payload = None if body is None else json.dumps(body, default=str).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else None
        try:
            with self.lock:
                resp = self.http.request(method, path, body=payload, headers=headers, params=params)
        except NETWORK_ERRORS as exc:
            raise SpyglassAPIError(0, f"{self.url}: {exc}") from exc
        if not resp.ok:
            raise SpyglassAPIError(resp.status, _error_message(resp.body))
        return json.loads(resp.body) if resp.body else None

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, {} if body is None else body)

    def patch(self, path: str, body: Any) -> Any:
        return self.call("PATCH", path, body)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)

    def pages(self, path: str, limit: int | None = None, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list (following ``next_cursor``), at most ``limit``."""
        return list(itertools.islice(self.iterate(path, **params), limit))

    def iterate(self, path: str, page_size: int = 500, **params: Any) -> Iterator[dict[str, Any]]:
        """The items of a paged list, one page fetched at a time."""
        cursor: str | None = None
        while True:
            page = self.get(path, **params, limit=page_size, cursor=cursor) or {}
            yield from page.get("items") or []
            cursor = page.get("next_cursor")
            if not cursor or not page.get("items"):
                return
