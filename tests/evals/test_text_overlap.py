"""BLEU and ROUGE give the reference implementations' numbers (sacreBLEU, rouge-score)."""

from __future__ import annotations

import itertools

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from spyglass.evals import BLEU, ROUGE
from spyglass.evals.metrics.text_overlap import corpus_bleu, lcs_length, rouge, rouge_tokenize, sentence_bleu

SENTENCES = [
    "The cat sat on the mat.",
    "There is a cat on the mat!",
    "A quick brown fox jumps over the lazy dog, 3.14 times.",
    "The quick brown fox jumped over the lazy dogs.",
    "Hello world",
    "the the the the the the",
    "It's 12-3 and costs $5,000 (approx.) per year.",
    "The cat is on the mat & the dog's on the rug.",
    "Résumé: naïve café owners vote \"yes\" on 2024-01-01.",
    "a",
    "",
]
PAIRS = list(itertools.product(SENTENCES, SENTENCES))


@pytest.mark.parametrize("smooth", ["exp", "floor", "add-k", "none"])
def test_sentence_bleu_matches_sacrebleu(smooth: str) -> None:
    for hyp, ref in PAIRS:
        ours = sentence_bleu(hyp, [ref], smooth=smooth) * 100
        theirs = sacrebleu.sentence_bleu(hyp, [ref], smooth_method=smooth).score
        assert ours == pytest.approx(theirs, abs=1e-9), (hyp, ref)


def test_sentence_bleu_with_several_references_and_options() -> None:
    refs = SENTENCES[:4]
    for hyp in SENTENCES:
        assert sentence_bleu(hyp, refs) * 100 == pytest.approx(sacrebleu.sentence_bleu(hyp, refs).score, abs=1e-9)
        ours = sentence_bleu(hyp, refs, lowercase=True, tokenize="none") * 100
        theirs = sacrebleu.sentence_bleu(hyp, refs, lowercase=True, tokenize="none").score
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_corpus_bleu_matches_sacrebleu() -> None:
    hyps = SENTENCES
    refs_a, refs_b = list(reversed(SENTENCES)), SENTENCES[1:] + SENTENCES[:1]
    ours = corpus_bleu(hyps, [[a, b] for a, b in zip(refs_a, refs_b)]) * 100
    assert ours == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs_a, refs_b]).score, abs=1e-9)
    assert corpus_bleu(hyps, [[h] for h in hyps]) == pytest.approx(1.0)


def test_bleu_metric() -> None:
    result = BLEU().score(output="The cat sat on the mat.", expected="The cat sat on the mat.")
    assert result.value == pytest.approx(1.0) and result.reason == "BLEU 100.00"
    partial = BLEU().score(output="The cat is on the mat.", expected=["A dog.", "The cat sat on the mat."])
    assert partial.value == pytest.approx(sacrebleu.sentence_bleu("The cat is on the mat.",
                                                                  ["A dog.", "The cat sat on the mat."]).score / 100)
    with pytest.raises(ValueError):
        BLEU(tokenize="klingon")


def test_rouge_matches_rouge_score() -> None:
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    for hyp, ref in PAIRS:
        expected = scorer.score(ref, hyp)  # rouge-score takes (target, prediction)
        for variant, key in (("1", "rouge1"), ("2", "rouge2"), ("l", "rougeL")):
            p, r, f = rouge(hyp, ref, variant)
            want = expected[key]
            if all(ord(ch) < 128 for ch in hyp + ref):
                assert (p, r, f) == pytest.approx((want.precision, want.recall, want.fmeasure), abs=1e-12), (hyp, ref)


def test_rouge_metric_takes_the_best_reference() -> None:
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    refs = ["The cat sat on the mat.", "A quick brown fox jumps over the lazy dog."]
    hyp = "The quick brown fox jumped over the lazy dogs."
    result = ROUGE().score(output=hyp, expected=refs)
    best = scorer.score_multi(refs, hyp)["rougeL"]
    assert result.name == "rouge_l"
    assert result.value == pytest.approx(best.fmeasure)
    assert result.metadata["precision"] == pytest.approx(best.precision)
    assert ROUGE("rouge2").name == "rouge_2" and ROUGE("1").score(output="a b", expected="b a").value == 1.0
    with pytest.raises(ValueError):
        ROUGE("x")


def test_rouge_handles_text_rouge_score_drops() -> None:
    # rouge-score keeps only [a-z0-9]: accented words and CJK text would score 0 there.
    assert rouge_tokenize("Café naïve 北京大学 test_case") == ["café", "naïve", "北", "京", "大", "学", "test", "case"]
    assert rouge("北京大学很好", "北京大学", "l")[2] == pytest.approx(2 * (4 / 6) * 1 / (4 / 6 + 1))


def test_bit_parallel_lcs() -> None:
    assert lcs_length(list("ABCBDAB"), list("BDCABA")) == 4
    assert lcs_length([], ["a"]) == 0
    assert lcs_length(["x"] * 3000, ["x"] * 2000) == 2000
