"""Run every item in a thread pool with a progress bar, recording each finished run as an
experiment item (in batches, so a long run shows up in the UI while it goes)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Mapping

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ...sdk import Experiment, SpyglassAPIError
from .results import ItemResult
from .runner import RunContext, describe, run_item

LINK_BATCH = 50


class ItemLog:
    """Experiment items waiting to be sent; a failed send becomes a warning, not an exception."""

    def __init__(self, experiment: Experiment, warnings: list[str]) -> None:
        self.experiment = experiment
        self.warnings = warnings
        self.pending: list[dict[str, Any]] = []

    def add(self, result: ItemResult) -> None:
        self.pending.append({"dataset_item_id": result.dataset_item_id, "trace_id": result.trace_id})
        if len(self.pending) >= LINK_BATCH:
            self.send()

    def send(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            self.experiment.log_items(batch)
        except SpyglassAPIError as exc:
            self.warnings.append(f"{len(batch)} experiment item(s) not recorded: {exc}")


def safe_run(ctx: RunContext, item: Mapping[str, Any]) -> ItemResult:
    try:
        return run_item(ctx, item)
    except Exception as exc:  # a bug of ours must not stop the other items
        return ItemResult(str(item.get("id")), dict(item), task_error=f"evaluation error: {describe(exc)}")


def progress_bar(console: Console, enabled: bool) -> Progress:
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, disable=not enabled)


def run_all(ctx: RunContext, items: list[Mapping[str, Any]], log: ItemLog, *, workers: int,
            console: Console, progress: bool) -> list[ItemResult]:
    """Results in the order of ``items``."""
    results: list[ItemResult | None] = [None] * len(items)
    with progress_bar(console, progress) as bar, ThreadPoolExecutor(max(1, workers)) as pool:
        task_id = bar.add_task(f"Evaluating {ctx.experiment.get('name', '')}", total=len(items))
        futures = {pool.submit(safe_run, ctx, item): n for n, item in enumerate(items)}
        try:
            for future in as_completed(futures):
                result = results[futures[future]] = future.result()
                log.add(result)
                bar.advance(task_id)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            log.send()
    return [r for r in results if r is not None]
