"""LLM-as-judge metrics."""

from __future__ import annotations

from .base import JudgeMetric, RatingJudge
from .geval import GEval
from .parsing import JudgeFormatError, extract_json
from .quality import Moderation, Usefulness
from .rag import AnswerRelevance, ContextPrecision, ContextRecall, Hallucination

__all__ = [
    "AnswerRelevance",
    "ContextPrecision",
    "ContextRecall",
    "GEval",
    "Hallucination",
    "JudgeFormatError",
    "JudgeMetric",
    "Moderation",
    "RatingJudge",
    "Usefulness",
    "extract_json",
]
