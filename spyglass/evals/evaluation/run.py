"""``evaluate()``: run a task over a dataset, score it, record it as an experiment, compare it.

Every item runs as one trace in the experiment's project (see :mod:`.runner`); the experiment
links each dataset item to its trace, and the scores are the traces' feedback scores, so the
UI's experiment pages show what this function printed.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlencode

from rich.console import Console

from ...sdk import Client, Dataset, Experiment, SpyglassAPIError
from ..metrics.base import Metric
from ..stats import compare
from .datasets import experiment_scores, find_baseline, resolve_dataset
from .pool import ItemLog, run_all
from .results import Comparison, EvaluationResult, summarize
from .runner import RunContext
from .summary import print_summary as show_summary


def check_metrics(metrics: Iterable[Metric]) -> list[Metric]:
    found = list(metrics or ())
    names = [getattr(m, "name", None) for m in found]
    if not all(isinstance(m, Metric) for m in found):
        raise TypeError("metrics: give Metric instances (e.g. Equals(), Hallucination(model=...))")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"metrics: two metrics are named {duplicates[0]!r}; pass name=... to tell them apart")
    return found


def experiment_meta(metadata: Mapping[str, Any] | None, metrics: list[Metric], task: Any) -> dict[str, Any]:
    """The caller's metadata plus what the comparison pages need: each metric's direction."""
    out = dict(metadata or {})
    out.setdefault("metrics", {m.name: {"type": type(m).__name__, "higher_is_better": m.higher_is_better}
                               for m in metrics})
    out.setdefault("task", getattr(task, "__name__", None) or type(task).__name__)
    return out


def evaluate(
    dataset: str | Dataset,
    task: Callable[[dict[str, Any]], Any],
    metrics: Iterable[Metric] = (),
    *,
    experiment_name: str | None = None,
    experiment_metadata: Mapping[str, Any] | None = None,
    project: str | None = None,
    workers: int = 8,
    scoring_fields: Mapping[str, str] | None = None,
    client: Client | None = None,
    baseline: str | Experiment | None = None,
    prompts: list[Any] | None = None,
    tags: list[str] | None = None,
    trace_name: str | None = None,
    progress: bool = True,
    print_summary: bool = True,
    confidence: float = 0.95,
    flush_timeout: float = 30.0,
    console: Console | None = None,
) -> EvaluationResult:
    """Run ``task(item)`` on every item of ``dataset`` (a name or a Dataset) in ``workers``
    threads, score each output with every metric, record the run as an experiment, and
    compare it with ``baseline`` (an experiment id or name) when given.

    ``item`` is the dataset item's data (``input``, ``expected_output``, ``metadata``, any
    other keys) plus its ``id``. ``scoring_fields`` maps metric fields to dotted paths into
    ``{"item": ..., "output": ...}``, e.g. ``{"context": "item.metadata.docs"}``. ``prompts``
    (Prompt objects) are recorded as the experiment's prompt versions. See docs/evaluation.md.
    """
    checked = check_metrics(metrics)
    own_client = client is None
    client = client or Client(project=project)
    try:
        return _evaluate(client, dataset, task, checked, experiment_name=experiment_name,
                         metadata=experiment_meta(experiment_metadata, checked, task),
                         project=project or client.project, workers=workers, scoring_fields=scoring_fields,
                         baseline=baseline, prompts=prompts, tags=tags, trace_name=trace_name, progress=progress,
                         print_summary=print_summary, confidence=confidence, flush_timeout=flush_timeout,
                         console=console or Console())
    finally:
        if own_client:
            client.close()


def _evaluate(client: Client, dataset: str | Dataset, task: Callable[[dict[str, Any]], Any], metrics: list[Metric],
              *, experiment_name: str | None, metadata: dict[str, Any], project: str, workers: int,
              scoring_fields: Mapping[str, str] | None, baseline: str | Experiment | None,
              prompts: list[Any] | None, tags: list[str] | None, trace_name: str | None, progress: bool,
              print_summary: bool, confidence: float, flush_timeout: float, console: Console) -> EvaluationResult:
    ds = resolve_dataset(client, dataset)
    items = ds.get_items(version=ds.version)
    warnings: list[str] = []
    base = _baseline(client, baseline, ds, warnings)
    experiment = client.create_experiment(ds, name=experiment_name, metadata=metadata, prompt_versions=prompts,
                                          project=project, tags=tags, dataset_version=ds.version)
    ctx = RunContext(client, task, metrics, project, trace_name or _task_name(task),
                     {"id": experiment.id, "name": experiment.name, "dataset": ds.name}, scoring_fields)
    results = run_all(ctx, items, ItemLog(experiment, warnings), workers=workers, console=console,
                      progress=progress)
    delivered = client.flush(flush_timeout)  # the runs' traces, spans and scores
    if not delivered.ok:
        warnings.append(f"not every trace or score reached the server: {delivered}")
    experiment.finish()
    result = EvaluationResult(experiment.id, experiment.name, ds.name, ds.version, results,
                              summarize(results, [m.name for m in metrics], {m.name: m.higher_is_better
                                                                              for m in metrics}),
                              url=experiment.url, warnings=warnings)
    if base is not None:
        result.comparison = _compare(base, result, metrics, confidence)
        query = urlencode({"ids": f"{base.id},{experiment.id}", "baseline": base.id})
        result.compare_url = f"{client.config.url}/experiments/compare?{query}"
    if print_summary:
        show_summary(result, console)
    return result


def _task_name(task: Any) -> str:
    name = getattr(task, "__name__", None)
    return name if name and name != "<lambda>" else "evaluation_task"


def _baseline(client: Client, baseline: str | Experiment | None, ds: Dataset, warnings: list[str]) -> Experiment | None:
    if baseline is None:
        return None
    try:
        return find_baseline(client, baseline, ds)
    except LookupError as exc:
        warnings.append(f"baseline not compared: {exc}")
        return None


def _compare(base: Experiment, result: EvaluationResult, metrics: list[Metric], confidence: float) -> Comparison:
    try:
        before = experiment_scores(base)
    except SpyglassAPIError as exc:
        result.warnings.append(f"baseline scores could not be read: {exc}")
        before = {}
    now = {m.name: result.scores(m.name) for m in metrics}
    deltas = compare(before, now, higher_is_better={m.name: m.higher_is_better for m in metrics},
                     confidence=confidence)
    return Comparison(base.id, base.name, deltas)

