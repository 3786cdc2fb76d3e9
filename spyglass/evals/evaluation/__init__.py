"""Offline evaluation: :func:`evaluate` runs a task over a dataset and records an experiment;
:func:`evaluate_prompt` does it for a prompt template and a model."""

from __future__ import annotations

from .prompt_task import evaluate_prompt
from .results import Comparison, EvaluationResult, ItemResult, MetricSummary
from .run import evaluate

__all__ = ["Comparison", "EvaluationResult", "ItemResult", "MetricSummary", "evaluate", "evaluate_prompt"]
