"""kill -9 the real server while it ingests: every acknowledged span must be there after a restart."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

from tests.server.factory import new_id, span, trace

SPYGLASS = str(Path(sys.executable).parent / "spyglass")
SPANS_PER_REQUEST = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(db_url: str, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([SPYGLASS, "serve", "--port", str(port), "--db", db_url, "--log-level", "error"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def sender(port: int, acked: list[str], stop: threading.Event) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        t = trace()
        body = orjson.dumps({"project": "durable", "traces": [t],
                             "spans": [span(t["id"], new_id(), input="x" * 500) for _ in range(SPANS_PER_REQUEST)]})
        try:
            conn.request("POST", "/api/v1/ingest", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return  # the server died mid-request: this one was never acknowledged
        if response.status == 200:
            acked.append(t["id"])


def test_acknowledged_spans_survive_kill_9(db_url):
    port = free_port()
    server = start(db_url, port)
    acked: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=sender, args=(port, acked, stop)) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acked) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(server.pid, signal.SIGKILL)  # mid-stream: requests are in flight
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acked) >= 60

    server = start(db_url, port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        missing = []
        for trace_id in acked:
            conn.request("GET", f"/api/v1/traces/{trace_id}")
            response = conn.getresponse()
            body = response.read()
            if response.status != 200 or len(orjson.loads(body)["spans"]) != SPANS_PER_REQUEST:
                missing.append(trace_id)
        assert missing == []
    finally:
        server.terminate()
        server.wait(30)
