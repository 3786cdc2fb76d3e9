"""How fast the trace view opens: a trace of N spans (default 5,000), opened in Chromium,
timed with the browser's own performance entries.

    .venv/bin/python bench/ui_trace.py [--spans 5000] [--runs 5] [--db sqlite:///...]
    .venv/bin/python bench/ui_trace.py --spans 100000 --runs 3      # a big trace: lazy subtrees
    .venv/bin/python bench/ui_trace.py --table 1000000              # traces table with 1M spans stored

Reports, per run: server time for the page (navigation responseEnd - requestStart), DOM ready
(domContentLoadedEventEnd) and tree ready (the `spyglass:tree-ready` mark: the span tree and
waterfall drawn), all in ms since navigation start. The target is tree ready < 1,000 ms.
Traces over 20,000 spans open lazily (first levels only; a node's children load when it is
expanded): those runs also time expanding one collapsed node (click to rows drawn).

`--table N` instead loads N spans of RAG traces (bench/ingest.py's bodies) into a fresh
SQLite server and times GET /projects/<p>/traces (the UI's traces table, first page) as the
client sees it on the same machine (so at least the server time).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.server.test_durability import free_port, start
from tests.server.ui.seed import big_trace_body, post

TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const mark = performance.getEntriesByName("spyglass:tree-ready")[0];
  return {server: nav.responseEnd - nav.requestStart, bytes: nav.transferSize,
          dom_ready: nav.domContentLoadedEventEnd, tree_ready: mark ? mark.startTime : null};
}"""


def measure(base: str, trace_id: str, spans: int, runs: int) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/traces/{trace_id}")
            page.wait_for_function(f"document.body.dataset.treeReady === '{spans}'", timeout=120_000)
            result = page.evaluate(TIMINGS)
            result["expand"] = page.evaluate(EXPAND)
            results.append(result)
            page.close()
        browser.close()
    return results


EXPAND = """async () => {
  const caret = document.querySelector("#tree .row .caret[data-toggle][data-lazy]");
  if (!caret) return null;
  const tree = window.spyglassTree, before = tree.visible.length, started = performance.now();
  caret.click();
  while (performance.now() - started < 10000) {
    await new Promise((r) => requestAnimationFrame(r));
    if (tree.visible.length !== before && !document.querySelector("#tree .row .caret[data-loading]")) break;
  }
  return performance.now() - started;
}"""


def table_bench(spans: int, reps: int) -> None:
    """First page of the traces table (and two variants) with `spans` spans stored."""
    sys.path.insert(0, str(ROOT / "bench"))
    import ingest as bench_ingest

    project = "bench-table"
    bodies = bench_ingest.build_bodies(spans, 100, project)
    with tempfile.TemporaryDirectory() as tmp:
        server = bench_ingest.Server("sqlite", Path(tmp))
        try:
            seconds, _ = bench_ingest.send_all(server.port, bodies, 4)
            print(f"ingested {spans} spans in {seconds:.0f} s", flush=True)
            time.sleep(5)
            paths = {"first page": f"/projects/{project}/traces",
                     "first page, last 24 hours": f"/projects/{project}/traces?range=24h",
                     "first page, metadata.env = prod": f"/projects/{project}/traces?filter=metadata.env%20%3D%20%22prod%22",
                     "load more (page 2)": None}
            cursor = bench_ingest.get(server.port, paths["first page"] + "?format=json")[1]
            next_cursor = json.loads(cursor)["page"]["next_cursor"]
            paths["load more (page 2)"] = f"/projects/{project}/traces?cursor={next_cursor}"
            for label, path in paths.items():
                print(f"{label}: {bench_ingest.latency(server.port, [str(path)], reps)}", flush=True)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds to wait after ingesting (the writer indexes text for search while idle)")
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--table", type=int, default=0, help="time the traces table with this many spans stored")
    parser.add_argument("--reps", type=int, default=100, help="requests per --table measurement")
    args = parser.parse_args()
    if args.table:
        table_bench(args.table, args.reps)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{tmp}/bench.db"
        port = free_port()
        server: subprocess.Popen[bytes] = start(db, port)
        try:
            base = f"http://127.0.0.1:{port}"
            trace_id, body = big_trace_body(args.spans, project="bench-ui")
            began = time.perf_counter()
            for i in range(0, len(body["spans"]), 10_000):  # requests under the body size limit
                post(base, {**body, "spans": body["spans"][i:i + 10_000]})
            print(f"ingested {args.spans} spans in {time.perf_counter() - began:.2f} s")
            time.sleep(args.settle)
            results = measure(base, trace_id, args.spans, args.runs)
        finally:
            server.terminate()
            server.wait(30)
    for i, r in enumerate(results, 1):
        expand = f", expand one node {r['expand']:.0f} ms" if r.get("expand") is not None else ""
        print(f"run {i}: server {r['server']:.0f} ms, DOM ready {r['dom_ready']:.0f} ms, "
              f"tree ready {r['tree_ready']:.0f} ms, page {r['bytes'] / 1024:.0f} KiB{expand}")
    ready = [r["tree_ready"] for r in results[1:] or results]  # the first run warms caches
    print(f"tree ready, median of warm runs: {statistics.median(ready):.0f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
