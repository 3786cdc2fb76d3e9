"""Every built-in metric by name, for callers that configure metrics as data (online
evaluation rules, the UI): ``build_metric("hallucination", model="gpt-4o-mini")``."""

from __future__ import annotations

import inspect
from typing import Any

from .conversation import ConversationCoherence, KnowledgeRetention, UserFrustration
from .judges import (
    AnswerRelevance,
    ContextPrecision,
    ContextRecall,
    GEval,
    Hallucination,
    JudgeMetric,
    Moderation,
    Usefulness,
)
from .metrics import (
    BLEU,
    ROUGE,
    Contains,
    EmbeddingSimilarity,
    Equals,
    IsJSON,
    JSONSchemaValid,
    LevenshteinRatio,
    Metric,
    RegexMatch,
    Sentiment,
)

METRICS: dict[str, type[Metric]] = {
    cls.name: cls
    for cls in (
        Equals, Contains, RegexMatch, IsJSON, JSONSchemaValid, LevenshteinRatio, BLEU, ROUGE, EmbeddingSimilarity,
        Sentiment, Hallucination, AnswerRelevance, ContextPrecision, ContextRecall, Moderation, Usefulness, GEval,
        ConversationCoherence, UserFrustration, KnowledgeRetention,
    )
}


def build_metric(kind: str, **options: Any) -> Metric:
    """A metric by its default name, with its constructor's options (``name=`` renames it)."""
    cls = METRICS.get(kind)
    if cls is None:
        raise ValueError(f"unknown metric {kind!r}; known: {', '.join(sorted(METRICS))}")
    return cls(**options)


def describe_metrics() -> list[dict[str, Any]]:
    """What each built-in metric needs and returns, for pickers and validation."""
    out = []
    for kind, cls in METRICS.items():
        out.append({
            "kind": kind, "class": cls.__name__, "judge": issubclass(cls, JudgeMetric),
            "requires": list(cls.requires), "uses": list(cls.uses), "score_range": list(cls.score_range),
            "higher_is_better": cls.higher_is_better,
            "summary": (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " "),
            "options": [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "name")],
        })
    return out
