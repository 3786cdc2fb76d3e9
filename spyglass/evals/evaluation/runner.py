"""One dataset item through the task and the metrics, as one trace of the experiment's project.

The task runs under the trace, so ``@track`` functions it calls become the trace's spans. The
trace ends when the task does (its duration is the task's); the metrics then run in a
``metrics`` span of the same trace, so judge calls show up next to the run they scored.
Nothing here raises: a failing task or metric is recorded in the :class:`ItemResult`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ...sdk import Client
from ..metrics.base import Metric, ScoreResult, resolve_path, safe_score
from .results import ItemResult

ROOTS = ("item", "output")


@dataclass(frozen=True, slots=True)
class RunContext:
    """What every item's run shares."""

    client: Client
    task: Callable[[dict[str, Any]], Any]
    metrics: list[Metric]
    project: str
    trace_name: str
    experiment: dict[str, Any]  # {id, name, dataset}: put in each trace's metadata
    scoring_fields: Mapping[str, str] | None = None


def task_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """What the task receives: the item's data (input, expected_output, metadata, other keys) and its id."""
    data = item.get("data")
    if not isinstance(data, Mapping):
        data = {k: item.get(k) for k in ("input", "expected_output", "metadata") if item.get(k) is not None}
    return {**data, "id": item["id"]}


def metric_fields(item: Mapping[str, Any], output: Any, mapping: Mapping[str, str] | None) -> dict[str, Any]:
    """The fields metrics score: the item's keys, then the output.

    A task that returns a dict with an ``output`` key contributes all its keys (so it can hand
    over ``context`` too); any other value is the ``output``. ``mapping`` picks fields by dotted
    path from ``{"item": ..., "output": ...}``; a path not starting with ``item.`` or
    ``output.`` is read from the merged fields.
    """
    fields = {k: v for k, v in item.items() if k != "id"}
    if isinstance(output, Mapping) and "output" in output:
        fields.update(output)
    else:
        fields["output"] = output
    roots = {"item": item, "output": output}
    for name, path in (mapping or {}).items():
        head = path.split(".", 1)[0]
        fields[name] = resolve_path(roots if head in ROOTS else fields, path)
    return fields


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def judge_author(metric: Metric) -> str:
    """The author of a metric's feedback scores: ``judge:<model>`` for a judge, ``judge:<class>``
    otherwise (see docs/evaluation.md: calibration tells these from human scores)."""
    model = getattr(metric, "model", None)
    if isinstance(model, str) and model:
        return f"judge:{model}"
    provider_model = getattr(model, "model", None)
    return f"judge:{provider_model}" if provider_model else f"judge:{type(metric).__name__}"


def run_item(ctx: RunContext, raw_item: Mapping[str, Any]) -> ItemResult:
    item = task_item(raw_item)
    result = ItemResult(str(item["id"]), item)
    data_input = item.get("input", {k: v for k, v in item.items() if k != "id"})
    meta = {"experiment": {**ctx.experiment, "dataset_item_id": result.dataset_item_id}}
    trace = ctx.client.trace(ctx.trace_name, input=data_input, metadata=meta, project=ctx.project,
                             tags=["evaluation"])
    result.trace_id = trace.id
    started = time.perf_counter()
    with trace:
        try:
            result.output = ctx.task(item)
        except Exception as exc:  # the run goes on; the item is recorded as failed
            result.task_error = describe(exc)
            trace.update(error=exc)
        else:
            trace.update(output=result.output)
        result.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    if ctx.metrics and result.task_error is None:
        result.scores = score_item(ctx, trace, item, result.output)
    return result


def score_item(ctx: RunContext, trace: Any, item: dict[str, Any], output: Any) -> dict[str, ScoreResult]:
    fields = metric_fields(item, output, ctx.scoring_fields)
    scores: dict[str, ScoreResult] = {}
    with trace.span("metrics", type="general", input={"metrics": [m.name for m in ctx.metrics]}) as span:
        for metric in ctx.metrics:
            scores[metric.name] = safe_score(metric, fields)
        span.update(output={name: s.to_dict() for name, s in scores.items()})
    for metric in ctx.metrics:
        score = scores[metric.name]
        if score.value is not None:
            ctx.client.log_feedback("trace", trace.id, metric.name, score.value, reason=score.reason,
                                    project=ctx.project, author=judge_author(metric))
    return scores
