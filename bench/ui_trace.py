"""How fast the trace view opens: a trace of N spans (default 5,000), opened in Chromium,
timed with the browser's own performance entries.

    .venv/bin/python bench/ui_trace.py [--spans 5000] [--runs 5] [--db sqlite:///...]

Reports, per run: server time for the page (navigation responseEnd - requestStart), DOM ready
(domContentLoadedEventEnd) and tree ready (the `spyglass:tree-ready` mark: the span tree and
waterfall drawn), all in ms since navigation start. The target is tree ready < 1,000 ms.
"""

from __future__ import annotations

import argparse
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
            results.append(page.evaluate(TIMINGS))
            page.close()
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds to wait after ingesting (the writer indexes text for search while idle)")
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{tmp}/bench.db"
        port = free_port()
        server: subprocess.Popen[bytes] = start(db, port)
        try:
            base = f"http://127.0.0.1:{port}"
            trace_id, body = big_trace_body(args.spans, project="bench-ui")
            began = time.perf_counter()
            post(base, body)
            print(f"ingested {args.spans} spans in {time.perf_counter() - began:.2f} s")
            time.sleep(args.settle)
            results = measure(base, trace_id, args.spans, args.runs)
        finally:
            server.terminate()
            server.wait(30)
    for i, r in enumerate(results, 1):
        print(f"run {i}: server {r['server']:.0f} ms, DOM ready {r['dom_ready']:.0f} ms, "
              f"tree ready {r['tree_ready']:.0f} ms, page {r['bytes'] / 1024:.0f} KiB")
    ready = [r["tree_ready"] for r in results[1:] or results]  # the first run warms caches
    print(f"tree ready, median of warm runs: {statistics.median(ready):.0f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
