"""OTLP/HTTP ingest, Spyglass vs Arize Phoenix, side by side in one run on this machine.

    python bench/otlp_vs_phoenix.py [--reps 1] [--work /tmp/spyglass-otlp-bench]

Each server gets its own virtualenv under --work (never in the repo): `arize-phoenix` for
Phoenix, this checkout (`pip install .`, base dependencies only) for Spyglass, plus one for the
load client. Both run the same ../shared/bench workloads through run_bench.py (fresh server
and database per repetition, launch -> health 200 timed, idle RSS read, spans counted until all
are persisted), then a table is printed: persisted spans/s at 100 and 1 spans per request
(4 clients), idle RSS, cold start and installed size.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HARNESS = REPO.parent / "shared" / "bench"
SCENARIOS = {"batch100": "--spans 20000 --batch 100 --concurrency 4",
             "batch1": "--spans 5000 --batch 1 --concurrency 4"}
# Spans of one project, counted straight from the SQLite file (committed rows only).
SPYGLASS_COUNT = ("sqlite3 {workdir}/spyglass.db \"select count(*) from span join project "
                  "on project.id = span.project_id where project.name = '{project}'\"")


def venv(path: Path, *packages: str) -> Path:
    """A virtualenv with `packages`, made once and reused."""
    python = path / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def installed_mb(env: Path) -> float:
    out = subprocess.run(["du", "-sk", str(env)], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0]) / 1024


def settle(seconds: float = 3.0) -> None:
    """Let the disk write out what installing the virtualenvs (~1 GB) left in memory, then let the
    machine go quiet: writeback running under one server's measurements and not the other's
    skews the comparison (here it took up to a quarter off the first server's rate)."""
    os.sync()
    time.sleep(seconds)


def run(name: str, client: Path, out: Path, reps: int, server: list[str]) -> dict[str, Any]:
    settle()
    cmd = [str(client), str(HARNESS / "run_bench.py"), *server, "--load-python", str(client),
           "--reps", str(reps), "--startup-reps", str(reps), "--settle", "5", "--out", str(out)]
    for scenario, args in SCENARIOS.items():
        cmd += ["--scenario", f"{scenario}:{args}"]
    print(f"== {name}: {shlex.join(cmd)}", flush=True)
    subprocess.run(cmd, check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return json.loads(out.read_text())["summary"]


def spyglass_args(env: Path) -> list[str]:
    return ["--server-cmd", f"{env}/bin/spyglass serve --log-level warning",
            "--port-env", "SPYGLASS_PORT", "--workdir-env", "SPYGLASS_BENCH_DIR",
            "--env", "SPYGLASS_DB_URL=sqlite:///{workdir}/spyglass.db",
            "--health-url", "http://127.0.0.1:{port}/health", "--db-file", "{workdir}/spyglass.db",
            "--common-load-args", "--url http://127.0.0.1:{port}/v1/traces --retries 50 --checker count-cmd "
            f"--count-cmd {shlex.quote(SPYGLASS_COUNT)}"]


def phoenix_args(env: Path) -> list[str]:
    return ["--server-cmd", f"{env}/bin/phoenix serve",
            "--port-env", "PHOENIX_PORT", "--port-env", "PHOENIX_GRPC_PORT",
            "--workdir-env", "PHOENIX_WORKING_DIR", "--env", "PHOENIX_HOST=127.0.0.1",
            "--health-url", "http://127.0.0.1:{port}/healthz", "--db-file", "{workdir}/phoenix.db",
            "--common-load-args", "--url http://127.0.0.1:{port}/v1/traces --checker phoenix --retries 50"]


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}x" if a and b else "-"


def table(spy: dict[str, Any], phx: dict[str, Any], sizes: tuple[float, float]) -> str:
    rows = [("persisted spans/s, 100 spans/request", spy["batch100"]["e2e_spans_per_s"],
             phx["batch100"]["e2e_spans_per_s"]),
            ("persisted spans/s, 1 span/request", spy["batch1"]["e2e_spans_per_s"], phx["batch1"]["e2e_spans_per_s"]),
            ("idle RSS, MB", spy["startup"]["idle_rss_mb"], phx["startup"]["idle_rss_mb"]),
            ("cold start to /health 200, s", spy["startup"]["startup_s"], phx["startup"]["startup_s"]),
            ("installed size, MB", round(sizes[0]), round(sizes[1]))]
    lines = ["| | Spyglass | Phoenix | Spyglass / Phoenix |", "|---|---|---|---|"]
    lines += [f"| {label} | {s} | {p} | {_ratio(s, p)} |" for label, s, p in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/spyglass-otlp-bench"))
    ap.add_argument("--reps", type=int, default=1)
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    client = venv(a.work / "client", "opentelemetry-proto", "aiohttp")
    spyglass = venv(a.work / "spyglass", str(REPO))
    # The checkout changes between runs: always measure the current code.
    subprocess.run([str(spyglass), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(REPO)],
                   check=True)
    venv(a.work / "phoenix", "arize-phoenix")
    sizes = (installed_mb(a.work / "spyglass"), installed_mb(a.work / "phoenix"))
    spy = run("spyglass", client, a.work / "spyglass.json", a.reps, spyglass_args(a.work / "spyglass"))
    phx = run("phoenix", client, a.work / "phoenix.json", a.reps, phoenix_args(a.work / "phoenix"))
    print(table(spy, phx, sizes))
    (a.work / "table.md").write_text(table(spy, phx, sizes) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
