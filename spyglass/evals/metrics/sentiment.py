"""Sentiment with VADER, a lexicon-and-rules model that ships inside its package (no download)."""

from __future__ import annotations

import threading
from typing import Any

from .base import Metric, ScoreResult
from .text import as_text

_lock = threading.Lock()
_analyzer: Any = None


def _vader() -> Any:
    global _analyzer
    with _lock:
        if _analyzer is None:
            try:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
            except ImportError as exc:
                raise ImportError("Sentiment needs vaderSentiment: pip install 'spyglass[evals]'") from exc
            _analyzer = SentimentIntensityAnalyzer()
        return _analyzer


class Sentiment(Metric):
    """VADER compound sentiment of the output, from -1 (most negative) to +1 (most positive).

    English text; the negative/neutral/positive proportions are in the metadata.
    """

    name = "sentiment"
    requires = ("output",)
    score_range = (-1.0, 1.0)

    def score(self, *, output: Any, **_: Any) -> ScoreResult:
        scores = _vader().polarity_scores(as_text(output))
        compound = scores["compound"]
        label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        return self.result(compound, f"{label} (compound {compound:+.3f})", label=label,
                           negative=scores["neg"], neutral=scores["neu"], positive=scores["pos"])
