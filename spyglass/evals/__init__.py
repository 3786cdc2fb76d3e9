"""Spyglass evaluation: one metric library for offline experiments and online evaluation.

Every metric has a ``name`` and ``score(**fields) -> ScoreResult``; call it through
:func:`safe_score` (or ``metric(**fields)``) so a failure becomes a result with ``error`` set
instead of an exception. Fields: ``input``, ``output``, ``expected``, ``context``,
``messages``. See docs/metrics.md for every metric.
"""

from __future__ import annotations

import importlib
from typing import Any

# Names are imported on first use: the server's API and the pytest plugin import this package,
# and most of them need one module of it, not the judges, providers and their HTTP client.
_EXPORTS = {
    **dict.fromkeys((
        "ConversationCoherence", "ConversationJudge", "KnowledgeRetention", "UserFrustration"
    ), "conversation"),
    **dict.fromkeys((
        "EvaluationResult", "evaluate", "evaluate_prompt"
    ), "evaluation"),
    **dict.fromkeys((
        "AnswerRelevance", "ContextPrecision", "ContextRecall", "GEval", "Hallucination",
        "JudgeFormatError", "JudgeMetric", "Moderation", "RatingJudge", "Usefulness"
    ), "judges"),
    **dict.fromkeys((
        "normalize_messages", "thread_messages"
    ), "messages"),
    **dict.fromkeys((
        "BLEU", "Contains", "EmbeddingSimilarity", "Equals", "FIELDS", "IsJSON", "JSONSchemaValid",
        "LevenshteinRatio", "Metric", "ROUGE", "RegexMatch", "ScoreResult", "Sentiment", "asafe_score",
        "ascore_all", "fields_from", "safe_score", "score_all"
    ), "metrics"),
    **dict.fromkeys((
        "AnthropicProvider", "AzureOpenAIProvider", "Completion", "OpenAICompatProvider", "Provider",
        "ProviderError", "RetryPolicy", "make_provider"
    ), "providers"),
    **dict.fromkeys((
        "METRICS", "build_metric", "describe_metrics"
    ), "registry"),
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = sorted(_EXPORTS)
