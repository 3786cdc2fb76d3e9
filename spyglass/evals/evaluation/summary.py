"""The table printed at the end of an evaluation: per metric mean, count and errors, and
against a baseline the change with its 95% confidence interval, flagging significant drops."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..stats import MeanDelta
from .results import EvaluationResult


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def verdict(delta: MeanDelta | None) -> str:
    if delta is None:
        return ""
    if delta.regression:
        return "[bold red]▼ regression[/]"
    if delta.improvement:
        return "[green]▲ better[/]"
    if delta.n < delta.min_items:
        return f"[dim]n={delta.n}, too few[/]"
    return "[dim]≈ same[/]"


def summary_table(result: EvaluationResult) -> Table:
    comparison = result.comparison
    title = f"Experiment {result.experiment_name} · dataset {result.dataset_name} v{result.dataset_version}"
    if comparison is not None:
        title += f" · vs baseline {comparison.baseline_name}"
    table = Table(title=escape(title), title_justify="left", caption_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column("metric", overflow="fold")
    for header in ("mean", "n", "err"):
        table.add_column(header, justify="right")
    if comparison is not None:
        for header in ("base", "Δ"):
            table.add_column(header, justify="right")
        table.add_column("95% CI", justify="right", min_width=13)
        table.add_column("", min_width=12)
    for name, summary in result.metrics.items():
        row = [escape(name if summary.higher_is_better else f"{name} ↓"), _num(summary.mean),
               f"{summary.count}/{len(result.items)}", f"[red]{summary.errors}[/]" if summary.errors else "0"]
        if comparison is not None:
            d = comparison.delta(name)
            row += [_num(d.baseline_mean), _num(d.delta, signed=True), f"{d.low:+.3f}…{d.high:+.3f}",
                    verdict(d)] if d else ["–", "–", "–", "[dim]new[/]"]
        table.add_row(*row)
    if not all(s.higher_is_better for s in result.metrics.values()):
        table.caption = "↓ lower is better"
    return table


def print_summary(result: EvaluationResult, console: Console | None = None) -> None:
    console = console or Console()
    console.print(summary_table(result))
    failed = result.task_errors
    if failed:
        first = failed[0]
        console.print(f"[red]The task failed on {len(failed)} item(s)[/], e.g. {first.dataset_item_id}: "
                      f"{escape(first.task_error or '')}", highlight=False)
    for warning in result.warnings:
        console.print(f"[yellow]Warning:[/] {escape(warning)}", highlight=False)
    if result.comparison is not None and result.regressions:
        names = ", ".join(str(d.metric) for d in result.regressions)
        console.print(f"[bold red]Significant regression vs {escape(result.comparison.baseline_name)}:[/] "
                      f"{escape(names)}")
    if result.compare_url or result.url:
        console.print(f"View the results: {result.compare_url or result.url}", highlight=False, soft_wrap=True)
