"""Native ingest throughput and read latency of a real `spyglass serve` process.

    python bench/ingest.py --db sqlite --spans 200000
    python bench/ingest.py --db postgresql --spans 200000
    python bench/ingest.py --db sqlite --spans 1000000 --reads      # trace list / detail latency at 1M spans

Starts a fresh server on a free port with a new database, builds all request bodies first
(100 spans per request, ~2 KB per span, realistic LLM/RAG shapes), then sends them from
`--clients` concurrent connections. Since the server answers only after commit, the
acknowledged rate is the persisted rate; the script checks the stored count at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
PROMPT = ("You are a helpful assistant for an online store. Answer using the context documents. "
          "If the answer is not in the context, say you do not know. ") * 6
DOC = "Refunds are accepted within 30 days of delivery when the item is unused and in its original packaging. "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def uuid7_at(t: datetime, rng: random.Random) -> str:
    """A UUIDv7 for time t, as the Spyglass and opik SDKs generate them (time-ordered)."""
    ms = int(t.timestamp() * 1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


NEW_ID = {"uuid7": uuid7_at, "uuid4": lambda t, rng: str(uuid.UUID(int=rng.getrandbits(128), version=4))}


def make_trace(start: datetime, rng: random.Random, ids: str = "uuid7") -> tuple[dict, list[dict]]:
    """One RAG trace: chain root, retriever, embedding, llm, tool, llm (6 spans)."""
    new_id = NEW_ID[ids]
    trace_id = new_id(start, rng)
    question = f"Can I return order #{rng.randint(1000, 99999)} after {rng.randint(2, 60)} days? 我可以退货吗"
    trace = {"id": trace_id, "name": "rag_chat", "start_time": iso(start), "end_time": iso(start + timedelta(seconds=2)),
             "input": {"question": question}, "output": {"answer": DOC}, "tags": ["bench", "rag"],
             "metadata": {"env": rng.choice(["prod", "staging"]), "version": "1.4.2"},
             "thread_id": f"conv-{rng.randint(1, 5000)}", "user_id": f"user-{rng.randint(1, 500)}"}
    root = new_id(start, rng)
    spans = [{"id": root, "trace_id": trace_id, "name": "rag_chat", "type": "chain", "start_time": iso(start),
              "end_time": iso(start + timedelta(seconds=2)), "input": {"question": question},
              "output": {"answer": DOC}}]
    kinds = [("retrieve", "retriever"), ("embed", "embedding"), ("chat", "llm"), ("lookup_order", "tool"),
             ("chat", "llm")]
    for i, (name, kind) in enumerate(kinds):
        s = start + timedelta(milliseconds=100 + 300 * i)
        span = {"id": new_id(s, rng), "trace_id": trace_id, "parent_span_id": root, "name": name, "type": kind,
                "start_time": iso(s), "end_time": iso(s + timedelta(milliseconds=rng.randint(50, 280)))}
        if kind == "llm":
            span.update(model="gpt-4o-mini", provider="openai",
                        input={"messages": [{"role": "system", "content": PROMPT},
                                            {"role": "user", "content": question}]},
                        output={"role": "assistant", "content": DOC * 2},
                        usage={"prompt_tokens": rng.randint(300, 900), "completion_tokens": rng.randint(20, 200)})
        elif kind == "retriever":
            span.update(input={"query": question}, output={"documents": [{"content": DOC * 3, "score": 0.87}]})
        else:
            span.update(input={"text": question}, output={"result": DOC})
        spans.append(span)
    return trace, spans


def build_bodies(total_spans: int, per_request: int, project: str, seed: int = 7, ids: str = "uuid7") -> list[bytes]:
    """Requests of exactly `per_request` spans (a trace may be split across requests, as
    exporters do); each trace record travels with its first span."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc) - timedelta(days=7)
    step = timedelta(days=7) / max(total_spans // 6, 1)
    items: list[tuple[dict | None, dict]] = []
    for i in range((total_spans + 5) // 6):
        trace, trace_spans = make_trace(now + step * i, rng, ids)
        items.extend((trace if n == 0 else None, span) for n, span in enumerate(trace_spans))
    bodies = []
    for i in range(0, len(items), per_request):
        chunk = items[i:i + per_request]
        bodies.append(orjson.dumps({"project": project, "traces": [t for t, _ in chunk if t is not None],
                                    "spans": [span for _, span in chunk]}))
    return bodies


class Server:
    def __init__(self, db: str, workdir: Path) -> None:
        self.port = free_port()
        if db == "sqlite":
            self.url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            name = f"spyglass_bench_{os.getpid()}"
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc",
                            f"DROP DATABASE IF EXISTS {name}"], check=True)
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc",
                            f"CREATE DATABASE {name}"], check=True)
            self.url = f"postgresql+psycopg://postgres@127.0.0.1/{name}"
        spyglass = Path(sys.executable).parent / "spyglass"
        started = time.perf_counter()
        self.proc = subprocess.Popen([str(spyglass), "serve", "--port", str(self.port), "--db", self.url,
                                      "--log-level", "warning"], stderr=subprocess.PIPE)
        while True:
            try:
                if get(self.port, "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - started > 60:
                raise SystemExit("server did not start")
        self.startup_s = time.perf_counter() - started

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    resp = conn.getresponse()
    return resp.status, resp.read()


def send_all(port: int, bodies: list[bytes], clients: int) -> tuple[float, int]:
    """Post every body from `clients` threads; returns (seconds, retries after 429/503)."""
    queue = list(reversed(bodies))
    lock = threading.Lock()
    retries = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            while True:
                conn.request("POST", "/api/v1/ingest", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    break
                if resp.status in (429, 503):
                    with lock:
                        retries[0] += 1
                    time.sleep(float(resp.getheader("Retry-After", "1")))
                    continue
                raise SystemExit(f"ingest failed: {resp.status}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, retries[0]


def latency(port: int, paths: list[str], reps: int) -> dict[str, float]:
    samples = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(reps):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        samples.append((time.perf_counter() - started) * 1000)
        assert resp.status == 200, (path, resp.status)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=100, help="spans per request")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--ids", choices=sorted(NEW_ID), default="uuid7",
                        help="id scheme: uuid7 (time-ordered, as the Spyglass and opik SDKs send) or uuid4 (random)")
    parser.add_argument("--reads", action="store_true", help="also time trace list and detail reads")
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args()

    project = f"bench-{uuid.uuid4().hex[:6]}"
    print(f"building {args.spans} spans in requests of {args.batch} ...", flush=True)
    bodies = build_bodies(args.spans, args.batch, project, ids=args.ids)
    sent = sum(len(orjson.loads(b)["spans"]) for b in bodies)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(args.db, Path(tmp))
        try:
            idle_rss = server.rss_mb()
            seconds, retries = send_all(server.port, bodies, args.clients)
            status, body = get(server.port, f"/api/v1/projects/{project}/stats?from=2000-01-01T00:00:00Z")
            stored = json.loads(body)["totals"]["span_count"]
            result = {"db": args.db, "ids": args.ids, "spans": sent, "stored": stored, "seconds": round(seconds, 2),
                      "spans_per_s": round(sent / seconds), "retries": retries, "clients": args.clients,
                      "batch": args.batch, "startup_s": round(server.startup_s, 2),
                      "idle_rss_mb": round(idle_rss, 1), "rss_after_mb": round(server.rss_mb(), 1)}
            if args.reads:
                result.update(read_latencies(server.port, project, bodies, args.reps))
        finally:
            server.stop()
    print(json.dumps(result, indent=2))
    if stored != sent:
        raise SystemExit(f"LOST DATA: sent {sent} spans, stored {stored}")


def read_latencies(port: int, project: str, bodies: list[bytes], reps: int) -> dict[str, dict[str, float]]:
    rng = random.Random(1)
    trace_ids = [t["id"] for b in rng.sample(bodies, min(50, len(bodies))) for t in orjson.loads(b)["traces"]]
    time.sleep(1)
    return {
        "trace_list_first_page": latency(port, [f"/api/v1/traces?project={project}&limit=50"], reps),
        "trace_detail": latency(port, [f"/api/v1/traces/{tid}" for tid in trace_ids], reps),
        "span_list_llm_filter": latency(port, [f"/api/v1/spans?project={project}&limit=50&filter=type%20%3D%20%22llm%22"],
                                        reps),
    }


if __name__ == "__main__":
    main()
