"""Writer-side cost per OTLP span: prepared requests committed by the real group writer into SQLite.

    python bench/otlp_writer_cpu.py [--spans 20000] [--batch 100] [--group 4] [--profile]

Builds the shared harness's OpenInference RAG workload (../shared/bench/otlp_load.py, `--batch`
spans per request), prepares every request as `/v1/traces` does (decode, map, prepare: not
timed), then commits them `--group` requests per transaction with `GroupWriter`, as the writer
thread does, into a fresh SQLite file (WAL, the server's pragmas, no checkpoints while timing).
Prints wall and CPU time per span. With `--batch 1` the figure is the cost of a small group
commit, which bounds 1-span-per-request throughput. `--profile` prints a cProfile listing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from spyglass.server.compat.otlp.service import Known, plan
from spyglass.server.ingest.apply import GroupWriter
from spyglass.server.model.convert import now_us
from spyglass.server.settings import Settings
from spyglass.server.store.base import Store

HARNESS = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
PROJECT = "otlp-writer-cpu"


def bodies(spans: int, batch: int) -> list[bytes]:
    sys.path.insert(0, str(HARNESS))
    import otlp_load  # the shared harness: same spans as the throughput benchmark

    cfg = otlp_load.GenConfig(spans=spans, spans_per_trace=5, batch=batch, text_bytes=1500, project=PROJECT,
                              resource_attrs={}, error_rate=0.01, sessions=50, seed=1, time_spread_s=3600)
    return otlp_load.build_payloads(cfg).bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=100, help="spans per request (default 100)")
    parser.add_argument("--group", type=int, default=4, help="requests per transaction (default 4)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Settings(db_url=f"sqlite:///{tmp}/writer.db"))
        store.open()
        ids = asyncio.run(store.project_ids_for_write({PROJECT, "default"}))
        store.writer.stop()  # from here the script commits on its own connection
        known = Known("default", ids, store.statements.span, now_us())
        works = [plan(body, False, None, known).work for body in bodies(args.spans, args.batch)]
        total = sum(len(work.span_params) for work in works if work)

        def write_all() -> None:
            with store.engine.connect() as conn:
                for i in range(0, len(works), args.group):
                    with conn.begin():
                        GroupWriter(conn, store.statements, store.projects, now_us()).write(works[i:i + args.group])

        wall, cpu = time.perf_counter(), time.process_time()
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(write_all)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        else:
            write_all()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{total} spans, {args.batch} per request, {args.group} requests per commit: "
              f"{1e6 * wall / total:.1f} µs/span wall, {1e6 * cpu / total:.1f} µs/span CPU, {total / wall:,.0f} spans/s")
        store.close()


if __name__ == "__main__":
    main()
