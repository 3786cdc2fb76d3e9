#!/usr/bin/env python3
"""Per-call cost of tracing decorators: Spyglass ``@track`` vs opik ``@track`` vs langfuse ``@observe``.

One run measures every SDK the same way, each child in a fresh process, all sending to one
local counting sink on 127.0.0.1:

  single   f(x) = x + 1 decorated; p50 / mean / p99 per call (one span per call)
  nested   outer() calling 4 decorated children (5 spans per call)
  memory   100k single-span calls; RSS growth during the run and after flush; spans delivered
  down     the server is down (nothing listens): per-call cost, flush outcome, time to exit

    python bench/sdk_overhead.py [--peer-python /path/to/venv/bin/python] [--json out.json]

opik and langfuse are run with ``--peer-python`` (a venv with ``pip install opik langfuse``),
Spyglass with this interpreter and this checkout on PYTHONPATH. Stdlib only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# ----------------------------------------------------------------------------- sink


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def _submessages(buf: bytes, wanted: int) -> list[bytes]:
    """Length-delimited fields number ``wanted`` of one protobuf message (no schema needed)."""
    out, i = [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, i = _varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = _varint(buf, i)
            if field == wanted:
                out.append(buf[i:i + n])
            i += n
        else:
            raise ValueError(f"wire type {wire}")
    return out


def count_otlp(body: bytes) -> int:
    # ExportTraceServiceRequest: resource_spans=1 -> scope_spans=2 -> spans=2
    return sum(len(_submessages(ss, 2)) for rs in _submessages(body, 1) for ss in _submessages(rs, 2))


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.spans = 0
        self.finished_ids: set[str] = set()

    def record(self, path: str, ctype: str, body: bytes) -> None:
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        n, ids = 0, []
        if "protobuf" in ctype:
            n = count_otlp(body)
        elif body[:1] == b"{":
            doc = json.loads(body)
            spans = doc.get("spans") if isinstance(doc.get("spans"), list) else []
            n = len(spans)
            ids = [s.get("id") for s in spans if s.get("end_time")]  # opik sends start and end records
        with self.lock:
            self.requests += 1
            self.spans += n
            self.finished_ids.update(ids)

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {"requests": self.requests, "spans": self.spans, "finished_span_ids": len(self.finished_ids)}


def start_sink() -> tuple[ThreadingHTTPServer, Counter]:
    counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: Any) -> None:
            pass

        def _any(self) -> None:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            if body:
                try:
                    counter.record(self.path, self.headers.get("Content-Type") or "", body)
                except Exception:
                    pass
            payload = b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = _any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, counter


# ----------------------------------------------------------------------------- child


def guard_egress() -> None:
    """Refuse any connection that is not to loopback (the peers must not phone home)."""
    real = socket.socket.connect

    def connect(self: socket.socket, addr: Any) -> Any:
        if isinstance(addr, tuple) and addr[0] not in ("127.0.0.1", "::1", "localhost"):
            raise ConnectionRefusedError(f"bench: blocked {addr!r}")
        return real(self, addr)

    socket.socket.connect = connect  # type: ignore[method-assign]


def make_functions(sdk: str) -> tuple[Any, Any, Any]:
    """(single, nested, flush) for one SDK."""
    if sdk == "spyglass":
        import spyglass.sdk as sg

        deco, flush = sg.track, lambda: sg.flush(30)
    elif sdk == "opik":
        import opik
        from opik.api_objects import opik_client

        deco, flush = opik.track, lambda: opik_client.get_global_client().flush()
    elif sdk == "langfuse":
        from langfuse import get_client, observe

        deco, flush = observe, get_client().flush
    else:
        def deco(f: Any) -> Any:
            return f

        flush = lambda: None  # noqa: E731

    @deco
    def single(x: int) -> int:
        return x + 1

    @deco
    def child(x: int) -> int:
        return x + 1

    @deco
    def nested(x: int) -> int:
        return child(x) + child(x) + child(x) + child(x)

    return single, nested, flush


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed(fn: Any, n: int) -> dict[str, float]:
    pc = time.perf_counter_ns
    samples = [0] * n
    for i in range(n):
        t0 = pc()
        fn(i)
        samples[i] = pc() - t0
    samples.sort()
    return {"p50_us": samples[n // 2] / 1e3, "mean_us": statistics.fmean(samples) / 1e3,
            "p99_us": samples[int(n * 0.99)] / 1e3, "max_us": samples[-1] / 1e3}


def run_child(sdk: str, scenario: str, n: int) -> None:
    guard_egress()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    single, nested, flush = make_functions(sdk)
    out: dict[str, Any] = {"import_s": round(time.perf_counter() - t0, 3), "rss_after_import_mb": round(rss_mb() - rss0 + rss0, 1)}
    fn = nested if scenario == "nested" else single
    for i in range(min(2000, n)):
        fn(i)
    if scenario == "memory":
        before = rss_mb()
        peak = before
        t1 = time.perf_counter()
        for i in range(n):
            fn(i)
            if i % 10_000 == 0:
                peak = max(peak, rss_mb())
        out["wall_per_call_us"] = (time.perf_counter() - t1) / n * 1e6
        out["rss_growth_peak_mb"] = round(max(peak, rss_mb()) - before, 1)
    else:
        out.update(timed(fn, n))
    t2 = time.perf_counter()
    try:
        result = flush()
        out["flush_returned"] = repr(result)[:160]
    except Exception as exc:
        out["flush_returned"] = f"raised {exc!r}"[:160]
    out["flush_s"] = round(time.perf_counter() - t2, 3)
    if scenario == "memory":
        out["rss_growth_after_flush_mb"] = round(rss_mb() - before, 1)
    out["t_end"] = time.time()
    print("RESULT " + json.dumps(out), flush=True)


# ----------------------------------------------------------------------------- driver


def child_env(sdk: str, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPYGLASS_", "OPIK_", "LANGFUSE_", "OTEL_"))}
    env.update({"NO_PROXY": "*", "no_proxy": "*", "PYTHONDONTWRITEBYTECODE": "1"})
    if sdk == "spyglass":
        env.update({"PYTHONPATH": str(ROOT), "SPYGLASS_URL": url, "SPYGLASS_PROJECT": "bench"})
    elif sdk == "opik":
        env.update({
            "OPIK_URL_OVERRIDE": url + "/api", "OPIK_WORKSPACE": "default", "OPIK_PROJECT_NAME": "bench",
            "OPIK_TRACK_DISABLE": "false", "OPIK_SENTRY_ENABLE": "false", "OPIK_ANALYTICS_ENABLE": "false",
            "OPIK_CONSOLE_LOGGING_LEVEL": "ERROR", "OPIK_CONFIG_PATH": os.devnull,
            "OPIK_ENABLE_LITELLM_MODELS_MONITORING": "false",
        })
    elif sdk == "langfuse":
        env.update({
            "LANGFUSE_HOST": url, "LANGFUSE_BASE_URL": url, "LANGFUSE_PUBLIC_KEY": "pk-lf-bench",
            "LANGFUSE_SECRET_KEY": "sk-lf-bench", "LANGFUSE_TRACING_ENVIRONMENT": "bench",
        })
    return env


def run_one(python: str, sdk: str, scenario: str, n: int, url: str, counter: Counter | None) -> dict[str, Any]:
    if counter is not None:
        counter.reset()
    cmd = [python, str(Path(__file__).resolve()), "child", sdk, scenario, str(n)]
    started = time.time()
    try:
        proc = subprocess.run(cmd, env=child_env(sdk, url), capture_output=True, text=True, timeout=900)
        stdout, stderr, rc = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        stdout, stderr, rc = str(exc.stdout or ""), str(exc.stderr or ""), -9
    ended = time.time()
    line = next((x for x in stdout.splitlines() if x.startswith("RESULT ")), None)
    res: dict[str, Any] = {"sdk": sdk, "scenario": scenario, "n": n, "rc": rc}
    if line is None:
        res["error"] = stderr[-800:]
        return res
    res.update(json.loads(line[7:]))
    res["exit_s"] = round(ended - res.pop("t_end"), 2)
    res["process_s"] = round(ended - started, 2)
    res["stderr_lines"] = len(stderr.splitlines())
    if counter is not None:
        time.sleep(0.3)
        res["sink"] = counter.stats()
    return res


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def drive(a: argparse.Namespace) -> list[dict[str, Any]]:
    server, counter = start_sink()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    down_url = f"http://127.0.0.1:{free_port()}"
    pythons = {"none": sys.executable, "spyglass": sys.executable, "opik": a.peer_python, "langfuse": a.peer_python}
    sizes = {"single": a.n, "nested": a.n_nested, "memory": a.n_memory, "down": a.n}
    results = []
    for scenario in a.scenarios.split(","):
        for sdk in a.sdks.split(","):
            if sdk == "none" and scenario in ("memory", "down"):
                continue
            down = scenario == "down"
            r = run_one(pythons[sdk], sdk, scenario, sizes[scenario], down_url if down else url, None if down else counter)
            results.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
    server.shutdown()
    return results


def table(results: list[dict[str, Any]]) -> str:
    rows = ["| scenario | sdk | p50 µs/call | mean µs/call | p99 µs/call | spans delivered | flush s | exit s | notes |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            rows.append(f"| {r['scenario']} | {r['sdk']} | error | | | | | | {r['error'][-120:]!r} |")
            continue
        per = 5 if r["scenario"] == "nested" else 1
        sink = r.get("sink") or {}
        delivered = sink.get("finished_span_ids") if r["sdk"] == "opik" else sink.get("spans")
        expected = (r["n"] + min(2000, r["n"])) * per
        notes = ""
        if r["scenario"] == "memory":
            notes = f"RSS +{r['rss_growth_peak_mb']} MB peak, +{r['rss_growth_after_flush_mb']} MB after flush"
            p50 = mean = f"{r['wall_per_call_us']:.1f} (wall)"
            p99 = ""
        else:
            p50, mean, p99 = f"{r['p50_us']:.1f}", f"{r['mean_us']:.1f}", f"{r['p99_us']:.1f}"
        if r["scenario"] == "down":
            notes = f"flush → {r['flush_returned'][:90]}"
        got = "" if r["scenario"] == "down" or r["sdk"] == "none" else f"{delivered}/{expected}"
        rows.append(f"| {r['scenario']} | {r['sdk']} | {p50} | {mean} | {p99} | {got} | {r['flush_s']} | {r['exit_s']} | {notes} |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    c = sub.add_parser("child")
    c.add_argument("sdk")
    c.add_argument("scenario")
    c.add_argument("n", type=int)
    default_peer = "/work/peers-venv/bin/python" if Path("/work/peers-venv/bin/python").exists() else sys.executable
    ap.add_argument("--peer-python", default=default_peer, help="python of a venv with opik and langfuse installed")
    ap.add_argument("--sdks", default="none,spyglass,opik,langfuse")
    ap.add_argument("--scenarios", default="single,nested,memory,down")
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--n-nested", type=int, default=4_000)
    ap.add_argument("--n-memory", type=int, default=100_000)
    ap.add_argument("--json", help="also write all results to this file")
    a = ap.parse_args()
    if a.cmd == "child":
        run_child(a.sdk, a.scenario, a.n)
        return
    results = drive(a)
    print(table(results))
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
