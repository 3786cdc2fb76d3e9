"""Deliver one encoded batch to ``POST /api/v1/ingest``: gzip, retries, backoff, accounting."""

from __future__ import annotations

import json
import random
import threading
import time
import zlib

from ._errors import logger
from .transport import NETWORK_ERRORS, HttpResponse, HttpTransport

INGEST_PATH = "/api/v1/ingest"
_KINDS = ("traces", "spans", "scores")
_HEADERS = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


class EncodedBatch:
    """JSON-encoded items grouped by kind, with their total size."""

    def __init__(self) -> None:
        self.parts: dict[str, list[bytes]] = {k: [] for k in _KINDS}
        self.count = 0
        self.size = 0

    def add(self, kind: str, item: bytes) -> None:
        self.parts[kind].append(item)
        self.count += 1
        self.size += len(item) + 1

    def body(self, project_json: bytes) -> bytes:
        out = [b'{"project":', project_json]
        for kind, items in self.parts.items():
            if items:
                out += [b',"', kind.encode(), b'":[', b",".join(items), b"]"]
        out.append(b"}")
        return b"".join(out)

    def split(self) -> list[EncodedBatch]:
        halves = [EncodedBatch(), EncodedBatch()]
        i = 0
        for kind, items in self.parts.items():
            for item in items:
                halves[i % 2].add(kind, item)
                i += 1
        return halves


class BatchSender:
    def __init__(self, transport: HttpTransport, *, max_retries: int = 5, gzip_level: int = 1) -> None:
        self.transport = transport
        self.base_url = transport.base_url
        self.max_retries = max_retries
        self.gzip_level = gzip_level
        self.reset_counters()

    def reset_counters(self) -> None:
        self.delivered = 0
        self.rejected = 0
        self.failed = 0
        self.in_flight = 0
        self._down = False
        self._healthy = False
        self._deadline: float | None = None
        self._interrupt = threading.Event()
        self._warned: dict[str, float] = {}

    def stop_at(self, deadline: float) -> None:
        """From now on, give up retrying at ``deadline`` (monotonic seconds)."""
        self._deadline = deadline if self._deadline is None else min(deadline, self._deadline)
        self._interrupt.set()

    @property
    def down(self) -> bool:
        """The last attempt could not reach the server."""
        return self._down

    @property
    def healthy(self) -> bool:
        """The last attempt was accepted by the server (False before the first one)."""
        return self._healthy

    def gave_up_for_good(self) -> bool:
        return self._deadline is not None and (self._down or time.monotonic() >= self._deadline)

    def send(self, batch: EncodedBatch, project_json: bytes) -> None:
        payload = zlib.compress(batch.body(project_json), self.gzip_level, wbits=31)
        self.in_flight = batch.count
        try:
            self._deliver(batch, payload, project_json)
        finally:
            self.in_flight = 0

    def _deliver(self, batch: EncodedBatch, payload: bytes, project_json: bytes) -> None:
        attempt = 0
        while True:
            try:
                resp: HttpResponse | None = self.transport.request("POST", INGEST_PATH, payload, _HEADERS)
                error = ""
            except NETWORK_ERRORS as exc:
                resp, error = None, f"{type(exc).__name__}: {exc}"
            self._healthy = resp is not None and resp.ok
            if resp is not None and resp.ok:
                self._down = False
                return self._accepted(batch, resp)
            if resp is not None and resp.status == 413 and batch.count > 1:
                for half in batch.split():
                    self.send(half, project_json)
                return None
            if resp is not None and not _retryable(resp.status):
                return self._rejected(batch, resp)
            self._down = resp is None
            if self._down and self._deadline is not None:
                return self._fail(batch, f"server unreachable while shutting down: {error}")
            # An unreachable server is retried until it is back (the bounded queue protects
            # memory); answers like 429/5xx are retried max_retries times.
            if attempt >= self.max_retries and not self._down:
                return self._fail(batch, error or f"HTTP {resp.status if resp else '?'}")
            delay = resp.retry_after() if resp is not None else None
            if delay is None:
                delay = min(10.0, 0.5 * 2 ** min(attempt, 5)) * random.uniform(0.8, 1.2)
            if not self._sleep(delay):
                return self._fail(batch, "flush deadline reached while retrying")
            attempt += 1

    def _sleep(self, delay: float) -> bool:
        end = time.monotonic() + delay
        while True:
            if self._deadline is not None and end > self._deadline:
                return False
            left = end - time.monotonic()
            if left <= 0:
                return True
            self._interrupt.wait(left)
            self._interrupt.clear()

    def _accepted(self, batch: EncodedBatch, resp: HttpResponse) -> None:
        rejected: list[dict[str, object]] = []
        try:
            body = json.loads(resp.body) if resp.body else {}
            if isinstance(body, dict) and isinstance(body.get("rejected"), list):
                rejected = body["rejected"]
        except ValueError:
            pass
        n_bad = min(len(rejected), batch.count)
        self.delivered += batch.count - n_bad
        if n_bad:
            self.rejected += n_bad
            self._warn("partial", "Spyglass server rejected %d of %d records, e.g. %s", n_bad, batch.count, rejected[0])

    def _rejected(self, batch: EncodedBatch, resp: HttpResponse) -> None:
        self.rejected += batch.count
        hint = " (check SPYGLASS_API_KEY)" if resp.status in (401, 403) else ""
        self._warn(
            f"http{resp.status}", "Spyglass server answered %d%s; %d records not stored: %s",
            resp.status, hint, batch.count, resp.body[:300],
        )

    def _fail(self, batch: EncodedBatch, why: str) -> None:
        self.failed += batch.count
        self._warn("fail", "Spyglass: could not deliver %d records to %s (%s); dropped", batch.count, self.base_url, why)

    def _warn(self, key: str, msg: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._warned.get(key, -1e9) >= 30.0:
            self._warned[key] = now
            logger.warning(msg, *args)


def _retryable(status: int) -> bool:
    return status in (408, 429) or status >= 500
