"""Sustained OTLP/HTTP ingest into one Spyglass server: throughput, server CPU and file sizes.

    python bench/otlp_sustained.py [--spans 80000] [--batch 100] [--runs 1] [--env NAME=VALUE ...]

Starts `spyglass serve` (bench/ingest.py's `Server`: the virtualenv of the Python running this
script) on a fresh SQLite file, sends the shared
harness's OpenInference RAG spans (../shared/bench/otlp_load.py, 4 concurrent clients) and
waits until all are counted in the database, then prints persisted spans/s, server CPU per
1,000 spans and the sizes of the database file and its WAL before shutdown. Longer than the
side-by-side runs (bench/otlp_vs_phoenix.py: 20,000 spans), it shows what a server under
continuous load does once its files have grown. The load client needs opentelemetry-proto
and aiohttp: `--client-python` (default: the side-by-side script's client virtualenv).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ingest import Server  # bench/ingest.py: a `spyglass serve` process on a fresh database

LOAD = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "otlp_load.py"


def one_run(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server("sqlite", Path(tmp))
        db = Path(tmp) / "bench.db"
        try:
            out = Path(tmp) / "load.json"
            subprocess.run([args.client_python, str(LOAD), "--url", f"http://127.0.0.1:{server.port}/v1/traces",
                            "--spans", str(args.spans), "--batch", str(args.batch), "--concurrency", "4",
                            "--retries", "50", "--project", "sustained", "--checker", "count-cmd",
                            "--count-cmd", f'sqlite3 {db} "select count(*) from span"',
                            "--server-pid", str(server.proc.pid), "-q", "--json-out", str(out)],
                           check=True, stdout=subprocess.DEVNULL)
            result = json.loads(out.read_text())
            wal = Path(f"{db}-wal")
            return {"spans_per_s": result["persisted"]["e2e_spans_per_s"],
                    "server_cpu_ms_per_1k_spans": result["server"]["cpu_ms_per_1k_spans"],
                    "db_mb": db.stat().st_size / 1e6, "wal_mb": wal.stat().st_size / 1e6 if wal.exists() else 0.0}
        finally:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=80_000)
    parser.add_argument("--batch", type=int, default=100, help="spans per request (default 100)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server (repeatable)")
    parser.add_argument("--client-python", default="/tmp/spyglass-otlp-bench/client/bin/python")
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)
    os.environ.update(extra_env, PYTHONDONTWRITEBYTECODE="1")  # the server inherits them
    print(f"{args.spans} spans, {args.batch} per request, 4 clients, env {extra_env or '-'}")
    print("spans/s   server CPU ms/1k spans   db MB   WAL MB")
    for _ in range(args.runs):
        r = one_run(args)
        print(f"{r['spans_per_s']:8,.0f}   {r['server_cpu_ms_per_1k_spans']:22.1f}   {r['db_mb']:5.0f}   "
              f"{r['wal_mb']:6.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
