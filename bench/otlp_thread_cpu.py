"""Where a Spyglass server spends its CPU under OTLP load: per process and per thread.

    python bench/otlp_thread_cpu.py [--spans 30000] [--batch 100] [--runs 1]

Starts `spyglass serve` (bench/ingest.py's `Server`) on a fresh SQLite file, warms it up with
2,000 spans (so the ingest helper process is running), then sends the shared harness's
OpenInference RAG spans (../shared/bench/otlp_load.py, 4 concurrent clients) and reads every
thread's CPU time from /proc before and after. Prints persisted spans/s, then per thread the
share of a core it used and its CPU time per span; the load client's CPU per span last.
Thread names come from `py-spy dump` (`--py-spy`, default: the side-by-side script's client
virtualenv); without it threads are listed by id. Child processes (the ingest helper) are
listed by process id. Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from ingest import Server  # bench/ingest.py: a `spyglass serve` process on a fresh database

LOAD = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "otlp_load.py"
CLIENT = Path("/tmp/spyglass-otlp-bench/client/bin")
TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[tuple[int, int], float]:
    """CPU seconds of every thread of `pid` and of its child processes, by (process, thread)."""
    pids = [pid, *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                           text=True).stdout.split())]
    out = {}
    for p in pids:
        for task in Path(f"/proc/{p}/task").iterdir():
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            out[(p, int(task.name))] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return out


def thread_names(py_spy: Path, pid: int) -> dict[int, str]:
    if not py_spy.exists():
        return {}
    dump = subprocess.run([str(py_spy), "dump", "--pid", str(pid)], capture_output=True, text=True).stdout
    return {int(tid): name for tid, name in re.findall(r'Thread (\d+) \([^)]*\): "([^"]+)"', dump)}


def load(args: argparse.Namespace, port: int, spans: int, project: str, count_cmd: str, out: Path) -> None:
    subprocess.run([args.client_python, str(LOAD), "--url", f"http://127.0.0.1:{port}/v1/traces",
                    "--spans", str(spans), "--batch", str(args.batch), "--concurrency", "4", "--retries", "50",
                    "--project", project, "--checker", "count-cmd", "--count-cmd", count_cmd, "-q",
                    "--json-out", str(out)], check=True, stdout=subprocess.DEVNULL)


def one_run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server("sqlite", Path(tmp))
        count = f'sqlite3 {Path(tmp) / "bench.db"} "select count(*) from span"'
        out = Path(tmp) / "load.json"
        try:
            load(args, server.port, 2000, "warm-up", count, out)
            names = thread_names(Path(args.py_spy), server.proc.pid)
            before = thread_cpu(server.proc.pid)
            load(args, server.port, args.spans, "measured", count, out)
            after = thread_cpu(server.proc.pid)
            result = json.loads(out.read_text())
        finally:
            server.stop()
    spans, wall = result["config"]["spans"], result["persisted"]["e2e_s"]
    print(f"{result['persisted']['e2e_spans_per_s']:,.0f} spans/s persisted, {args.batch} spans per request")
    for (pid, tid), cpu in sorted(after.items()):
        used = cpu - before.get((pid, tid), 0.0)
        if used > 0:
            name = names.get(tid, f"child process {pid}" if pid != server.proc.pid else f"thread {tid}")
            print(f"  {name:<24} {used / wall:5.2f} cores {1e6 * used / spans:8.1f} µs/span")
    print(f"  {'load client':<24} {'':11} {1e6 * result['send']['client_cpu_s'] / spans:8.1f} µs/span")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=100, help="spans per request (default 100)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--client-python", default=str(CLIENT / "python"))
    parser.add_argument("--py-spy", default=str(CLIENT / "py-spy"))
    args = parser.parse_args()
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # the server inherits it
    for _ in range(args.runs):
        one_run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
