"""A small keep-alive HTTP/1.1 client on ``http.client`` (no dependencies).

``http.client`` (which pulls in ``ssl`` and ``email``) is imported on the first request, on
the exporter thread, so ``import spyglass`` stays cheap for the host application.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlencode, urlsplit

from ._version import VERSION

if TYPE_CHECKING:
    import http.client

# http.client's own errors (bad status line, incomplete read...) are re-raised as
# ConnectionError, so this needs no import of http.client.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError,)


@dataclass
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def retry_after(self) -> float | None:
        """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date), if any."""
        value = self.headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


class HttpTransport:
    """One connection to one server; not thread-safe (each user owns its own)."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 10.0) -> None:
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Spyglass URL must be http(s)://host[:port][/path], got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path
        self.timeout = timeout
        self._headers = {"User-Agent": f"spyglass-sdk/{VERSION}", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            import http.client

            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self.timeout)
        return self._conn

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> HttpResponse:
        """Send one request; network failures raise one of ``NETWORK_ERRORS``."""
        url = self._prefix + path
        if params:
            url += "?" + urlencode({k: v for k, v in params.items() if v is not None})
        all_headers = {**self._headers, **(headers or {})}
        reused = self._conn is not None
        try:
            return self._once(method, url, body, all_headers)
        except NETWORK_ERRORS:
            self.close()
            if not reused:
                raise
        # A kept-alive connection the server had closed: one immediate retry on a fresh one.
        try:
            return self._once(method, url, body, all_headers)
        except NETWORK_ERRORS:
            self.close()
            raise

    def _once(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> HttpResponse:
        import http.client

        conn = self._connection()
        try:
            conn.request(method, url, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except http.client.HTTPException as exc:
            raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
        if resp.getheader("connection", "").lower() == "close":
            self.close()
        return HttpResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass

    def forget(self) -> None:
        """Drop the connection without touching its socket (used in a forked child)."""
        self._conn = None
