"""Metrics: the contract (:mod:`.base`) and the heuristic metrics."""

from __future__ import annotations

from .base import FIELDS, Metric, ScoreResult, asafe_score, ascore_all, fields_from, safe_score, score_all
from .embedding import EmbeddingSimilarity
from .heuristic import Contains, Equals, IsJSON, JSONSchemaValid, LevenshteinRatio, RegexMatch
from .sentiment import Sentiment
from .text_overlap import BLEU, ROUGE

__all__ = [
    "BLEU",
    "FIELDS",
    "ROUGE",
    "Contains",
    "EmbeddingSimilarity",
    "Equals",
    "IsJSON",
    "JSONSchemaValid",
    "LevenshteinRatio",
    "Metric",
    "RegexMatch",
    "ScoreResult",
    "Sentiment",
    "asafe_score",
    "ascore_all",
    "fields_from",
    "safe_score",
    "score_all",
]
