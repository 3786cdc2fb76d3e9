"""Pass or fail an evaluation, for tests and CI (the pytest plugin's logic).

Without a baseline, every item must meet every threshold (``>=`` for higher-is-better
metrics, ``<=`` otherwise). With a baseline experiment, only a significant regression fails
(the bootstrap confidence interval of the mean change excludes zero, in the bad direction), so
a noisy judge does not break the build. A task that raised fails the check in both modes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .datasets import sync_cases
from .results import EvaluationResult, ItemResult
from .run import evaluate

MAX_LISTED = 20
CI_VARIABLES = ("GITHUB_SHA", "GITHUB_REF_NAME", "GITHUB_RUN_ID", "CI_COMMIT_SHA", "CI_COMMIT_REF_NAME",
                "CI_PIPELINE_ID", "BUILDKITE_COMMIT", "GIT_COMMIT")


@dataclass(frozen=True, slots=True)
class ItemFailure:
    item: ItemResult
    metric: str
    score: float | None
    threshold: float
    higher_is_better: bool
    reason: str | None

    def describe(self) -> str:
        bound = ">=" if self.higher_is_better else "<="
        score = "no score" if self.score is None else f"{self.score:.3f}"
        return f"{self.metric} = {score} (needs {bound} {self.threshold:g}): {self.reason or '-'}"


def check_thresholds(thresholds: Mapping[str, Any], metric_names: list[str]) -> None:
    unknown = sorted(set(thresholds) - set(metric_names))
    if unknown:
        raise ValueError(f"thresholds: no metric named {unknown[0]!r} (metrics: {', '.join(metric_names) or 'none'})")


def _reason(item: ItemResult, score: Any) -> str | None:
    if item.task_error:
        return f"task failed: {item.task_error}"
    if score is None:
        return "not scored"
    return score.error or score.reason


def threshold_failures(result: EvaluationResult, thresholds: Mapping[str, float]) -> list[ItemFailure]:
    check_thresholds(thresholds, list(result.metrics))
    failures = []
    for item in result.items:
        for name, threshold in thresholds.items():
            higher = result.metrics[name].higher_is_better
            score = item.scores.get(name)
            value = None if score is None else score.value
            if value is not None and (value >= threshold if higher else value <= threshold):
                continue
            failures.append(ItemFailure(item, name, value, float(threshold), higher, _reason(item, score)))
    return failures


def _preview(value: Any, limit: int = 80) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failures_report(result: EvaluationResult, failures: list[ItemFailure]) -> str:
    failed_items = list(dict.fromkeys(f.item.dataset_item_id for f in failures))
    lines = [f"{len(failed_items)} of {len(result.items)} items failed their thresholds "
             f"(experiment {result.experiment_name}: {result.compare_url or result.url})"]
    by_item: dict[str, list[ItemFailure]] = {}
    for failure in failures:
        by_item.setdefault(failure.item.dataset_item_id, []).append(failure)
    for item_id in failed_items[:MAX_LISTED]:
        first = by_item[item_id][0].item
        lines.append(f"  item {item_id}  input: {_preview(first.item.get('input'))}")
        lines += [f"    {f.describe()}" for f in by_item[item_id]]
    if len(failed_items) > MAX_LISTED:
        lines.append(f"  … and {len(failed_items) - MAX_LISTED} more items")
    return "\n".join(lines)


def regressions_report(result: EvaluationResult) -> str:
    comparison = result.comparison
    assert comparison is not None
    lines = [f"significant regression against baseline {comparison.baseline_name!r} "
             f"({result.compare_url or result.url}):"]
    for d in result.regressions:
        lines.append(f"  {d.metric}: {d.baseline_mean:.3f} -> {d.candidate_mean:.3f} (mean change {d.delta:+.3f}, "
                     f"{d.confidence:.0%} CI [{d.low:+.3f}, {d.high:+.3f}], {d.n} items)")
    return "\n".join(lines)


def verdict(result: EvaluationResult, thresholds: Mapping[str, float]) -> str | None:
    """Why the check fails, or None when it passes."""
    problems = []
    if result.task_errors:
        first = result.task_errors[0]
        problems.append(f"the task raised on {len(result.task_errors)} item(s), e.g. {first.dataset_item_id}: "
                        f"{first.task_error}")
    if result.comparison is not None:
        if result.regressions:
            problems.append(regressions_report(result))
    else:
        failures = threshold_failures(result, thresholds)
        if failures:
            problems.append(failures_report(result, failures))
    return "\n".join(problems) or None


def safe_name(text: str) -> str:
    """A dataset name from a test id (names travel in URL paths: no slashes)."""
    return re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "-", text).strip("-")[:200]


def ci_metadata() -> dict[str, str]:
    return {name: value for name in CI_VARIABLES if (value := os.environ.get(name))}


def run_check(task: Callable[[dict[str, Any]], Any], options: Mapping[str, Any], *, test_name: str,
              nodeid: str) -> tuple[EvaluationResult, str | None]:
    """Run an evaluation as a test: ``options`` are the marker's and the fixture call's keywords
    (``dataset`` or ``cases``, ``metrics``, ``thresholds``, ``baseline``, ``dataset_name`` and any
    :func:`evaluate` keyword). Returns the result and the failure message (None: passed)."""
    opts = dict(options)
    dataset, cases = opts.pop("dataset", None), opts.pop("cases", None)
    thresholds = dict(opts.pop("thresholds", None) or {})
    dataset_name = opts.pop("dataset_name", None) or safe_name(f"pytest-{nodeid}")
    if (dataset is None) == (cases is None):
        raise ValueError("spyglass_eval: give either dataset=... or cases=[...]")
    metadata = {"pytest": {"test": nodeid}, **({"ci": ci_metadata()} if ci_metadata() else {}),
                **(opts.pop("experiment_metadata", None) or {})}
    opts.setdefault("experiment_name", test_name)
    opts.setdefault("tags", ["pytest"])
    opts.setdefault("progress", False)
    metrics = list(opts.pop("metrics", None) or ())
    check_thresholds(thresholds, [str(getattr(m, "name", m)) for m in metrics])
    from ...sdk import Client

    own = opts.get("client") is None
    client = opts.pop("client", None) or Client(project=opts.get("project"))
    try:
        if cases is not None:
            dataset = sync_cases(client, dataset_name, cases)
        result = evaluate(dataset, task, metrics, client=client, experiment_metadata=metadata,
                          **opts)
    finally:
        if own:
            client.close()
    return result, verdict(result, thresholds)
