"""Server CPU per OTLP span on the request side: protobuf decode, convention mapping, row preparation.

    python bench/otlp_request_cpu.py [--spans 20000] [--batch 100] [--runs 3] [--profile]

Builds the shared harness's OpenInference RAG workload (../shared/bench/otlp_load.py: `--batch`
spans per request, 5 spans per trace, ~1.5 KB texts) and feeds every request body, in
process, through the same three steps the `/v1/traces` handler runs before it hands rows
to the writer: `decode_protobuf`, `records` (attribute conventions -> canonical records)
and `prepare` (statement parameters, rollup and trace-total contributions). Nothing is
written to a database. Each step is timed with process CPU time, so other busy processes
on the machine slow the wall clock but not the figures much; one warm-up pass, then
`--runs` passes, and the median of each step is printed in microseconds per span.
`--profile` prints a cProfile listing of one more pass instead.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

from spyglass.server.compat.otlp.decode import decode_protobuf
from spyglass.server.compat.otlp.translate import records
from spyglass.server.ingest.prepare import prepare
from spyglass.server.store.engine import Dialect
from spyglass.server.store.statements import build

HARNESS = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
STEPS = ("decode", "map", "prepare")
PROJECT_IDS = {"otlp-request-cpu": "project-1", "default": "project-0"}


def payloads(spans: int, batch: int) -> tuple[list[bytes], int]:
    sys.path.insert(0, str(HARNESS))
    import otlp_load  # the shared harness: same spans as the throughput benchmark

    cfg = otlp_load.GenConfig(spans=spans, spans_per_trace=5, batch=batch, text_bytes=1500,
                              project="otlp-request-cpu", resource_attrs={}, error_rate=0.01, sessions=50,
                              seed=1, time_spread_s=3600)
    built = otlp_load.build_payloads(cfg)
    return built.bodies, built.total_spans


def one_pass(bodies: list[bytes]) -> list[float]:
    """CPU seconds spent in each step over all bodies."""
    statement = build(Dialect.SQLITE).span
    spent = [0.0, 0.0, 0.0]
    clock = time.process_time
    for body in bodies:
        t0 = clock()
        decoded = decode_protobuf(body)
        t1 = clock()
        items = records(decoded, None)
        t2 = clock()
        prepare(items, PROJECT_IDS, "default", statement, 1)
        t3 = clock()
        spent[0] += t1 - t0
        spent[1] += t2 - t1
        spent[2] += t3 - t2
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, default=20000, help="spans per pass (default 20000)")
    parser.add_argument("--batch", type=int, default=100, help="spans per request (default 100)")
    parser.add_argument("--runs", type=int, default=3, help="timed passes; the median is reported (default 3)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile listing of one pass")
    args = parser.parse_args()

    bodies, total = payloads(args.spans, args.batch)
    one_pass(bodies)  # warm-up: imports, caches, price table
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(one_pass, bodies)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return
    runs = [one_pass(bodies) for _ in range(args.runs)]
    print(f"{total} spans in {len(bodies)} requests, {args.runs} runs, median CPU per span:")
    print(f"{'step':<10}{'µs/span':>10}   runs")
    for i, step in enumerate(STEPS):
        each = [1e6 * run[i] / total for run in runs]
        print(f"{step:<10}{statistics.median(each):>10.1f}   " + " ".join(f"{x:.1f}" for x in each))
    sums = [1e6 * sum(run) / total for run in runs]
    print(f"{'total':<10}{statistics.median(sums):>10.1f}   " + " ".join(f"{x:.1f}" for x in sums))


if __name__ == "__main__":
    main()
