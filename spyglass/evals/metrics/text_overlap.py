"""BLEU and ROUGE, written to give the same numbers as the reference implementations.

BLEU follows sacreBLEU (``13a`` tokenisation, clipped n-gram counts over all references,
closest reference length, ``exp``/``floor``/``add-k`` smoothing, effective order for
sentences). ROUGE follows Google's ``rouge-score`` (lower-case, alphanumeric tokens,
F-measure of n-gram overlap or of the longest common subsequence); our tokeniser also keeps
non-ASCII letters, and splits Chinese/Japanese/Korean text into characters, where
``rouge-score`` drops them. Values are in [0, 1] (sacreBLEU reports BLEU × 100).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any, Sequence

from .base import Metric, ScoreResult
from .text import as_references, as_text

# --- BLEU -------------------------------------------------------------------------------------

_13A_RULES = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),  # punctuation and symbols
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),  # period/comma unless preceded by a digit
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),  # period/comma unless followed by a digit
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),  # dash preceded by a digit
)
_SMOOTH_DEFAULTS = {"none": None, "floor": 0.1, "add-k": 1.0, "exp": None}


def tokenize_13a(line: str) -> list[str]:
    """The mteval-v13a tokenisation used by WMT and sacreBLEU's default."""
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for pattern, repl in _13A_RULES:
        line = pattern.sub(repl, line)
    return line.split()


def _bleu_tokens(text: str, tokenize: str, lowercase: bool) -> list[str]:
    text = text.rstrip()
    if lowercase:
        text = text.lower()
    if tokenize == "13a":
        return tokenize_13a(text)
    if tokenize == "char":
        return [ch for ch in text if not ch.isspace()]
    if tokenize == "none":
        return text.split()
    raise ValueError(f"unknown BLEU tokenizer {tokenize!r} (13a, char, none)")


def _ngrams(tokens: Sequence[str], max_order: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for n in range(1, max_order + 1) for i in range(len(tokens) - n + 1))


def _closest_length(hyp_len: int, ref_lens: list[int]) -> int:
    """The reference length closest to the hypothesis; the shorter one on a tie."""
    return min(ref_lens, key=lambda r: (abs(hyp_len - r), r))


def bleu_statistics(hyp: list[str], refs: list[list[str]], max_order: int = 4) -> list[int]:
    """``[hyp_len, ref_len, correct_1..n, total_1..n]`` for one segment (summed for a corpus)."""
    ref_counts: Counter[tuple[str, ...]] = Counter()
    for ref in refs:
        for gram, count in _ngrams(ref, max_order).items():
            ref_counts[gram] = max(ref_counts[gram], count)
    correct, total = [0] * max_order, [0] * max_order
    for gram, count in _ngrams(hyp, max_order).items():
        total[len(gram) - 1] += count
        correct[len(gram) - 1] += min(count, ref_counts.get(gram, 0))
    return [len(hyp), _closest_length(len(hyp), [len(r) for r in refs]), *correct, *total]


def bleu_from_statistics(
    stats: Sequence[float], smooth: str = "exp", smooth_value: float | None = None,
    effective_order: bool = False, max_order: int = 4,
) -> float:
    """BLEU in [0, 1] from (summed) segment statistics."""
    if smooth not in _SMOOTH_DEFAULTS:
        raise ValueError(f"unknown smoothing {smooth!r} ({', '.join(_SMOOTH_DEFAULTS)})")
    value = _SMOOTH_DEFAULTS[smooth] if smooth_value is None else smooth_value
    sys_len, ref_len = stats[0], stats[1]
    correct, total = list(stats[2 : 2 + max_order]), list(stats[2 + max_order : 2 + 2 * max_order])
    if not any(correct):
        return 0.0
    bp = 1.0 if sys_len >= ref_len else (math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0)
    logs, exp_factor, order = [0.0] * max_order, 1.0, max_order
    for n in range(max_order):
        if smooth == "add-k" and n > 0:
            correct[n] += value
            total[n] += value
        if total[n] == 0:
            break
        if effective_order:
            order = n + 1
        if correct[n] == 0:
            if smooth == "exp":
                exp_factor *= 2
                logs[n] = math.log(1.0 / (exp_factor * total[n]))
            elif smooth == "floor":
                logs[n] = math.log(value / total[n])
            else:
                return 0.0
        else:
            logs[n] = math.log(correct[n] / total[n])
    return bp * math.exp(sum(logs[:order]) / order)


def sentence_bleu(
    hypothesis: str, references: Sequence[str], *, smooth: str = "exp", smooth_value: float | None = None,
    tokenize: str = "13a", lowercase: bool = False, max_order: int = 4,
) -> float:
    """Sentence-level BLEU in [0, 1] (effective order on, as sacreBLEU's ``sentence_bleu``)."""
    hyp = _bleu_tokens(hypothesis, tokenize, lowercase)
    refs = [_bleu_tokens(r, tokenize, lowercase) for r in references]
    return bleu_from_statistics(bleu_statistics(hyp, refs, max_order), smooth, smooth_value, True, max_order)


def corpus_bleu(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], *, smooth: str = "exp",
    tokenize: str = "13a", lowercase: bool = False, max_order: int = 4,
) -> float:
    """Corpus BLEU in [0, 1]: statistics summed over segments. ``references[i]`` are the
    references of ``hypotheses[i]``."""
    if len(hypotheses) != len(references):
        raise ValueError("one list of references per hypothesis")
    sums = [0] * (2 + 2 * max_order)
    for hyp, refs in zip(hypotheses, references):
        stats = bleu_statistics(_bleu_tokens(hyp, tokenize, lowercase),
                                [_bleu_tokens(r, tokenize, lowercase) for r in refs], max_order)
        sums = [a + b for a, b in zip(sums, stats)]
    return bleu_from_statistics(sums, smooth, None, False, max_order)


class BLEU(Metric):
    """Sentence BLEU of the output against the expected text (one or several references)."""

    name = "bleu"
    requires = ("output", "expected")

    def __init__(self, *, smooth: str = "exp", tokenize: str = "13a", lowercase: bool = False,
                 max_order: int = 4, name: str | None = None) -> None:
        super().__init__(name)
        _bleu_tokens("", tokenize, False)  # reject an unknown tokenizer now, not per item
        if smooth not in _SMOOTH_DEFAULTS:
            raise ValueError(f"unknown smoothing {smooth!r}")
        self.options = {"smooth": smooth, "tokenize": tokenize, "lowercase": lowercase, "max_order": max_order}

    def score(self, *, output: Any, expected: Any, **_: Any) -> ScoreResult:
        value = sentence_bleu(as_text(output), as_references(expected), **self.options)
        return self.result(value, f"BLEU {value * 100:.2f}")


# --- ROUGE ------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])")


def rouge_tokenize(text: str) -> list[str]:
    """Lower-case letter/digit runs; each CJK character is its own token."""
    return _WORD.findall(_CJK.sub(r" \1 ", text.lower()))


def _f1(overlap: int, pred_len: int, target_len: int) -> tuple[float, float, float]:
    precision = overlap / pred_len if pred_len else 0.0
    recall = overlap / target_len if target_len else 0.0
    f = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Longest common subsequence length, bit-parallel (Allison–Dix)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    masks: dict[str, int] = {}
    for i, tok in enumerate(b):
        masks[tok] = masks.get(tok, 0) | (1 << i)
    full = (1 << len(b)) - 1
    v = full
    for tok in a:
        u = v & masks.get(tok, 0)
        v = ((v + u) | (v - u)) & full
    return len(b) - v.bit_count()


def rouge(prediction: str, target: str, variant: str = "l") -> tuple[float, float, float]:
    """(precision, recall, F) of ROUGE-1, -2, ... (``variant="1"``) or ROUGE-L (``"l"``)."""
    pred, ref = rouge_tokenize(prediction), rouge_tokenize(target)
    if variant.lower() == "l":
        if not pred or not ref:
            return 0.0, 0.0, 0.0
        return _f1(lcs_length(pred, ref), len(pred), len(ref))
    n = int(variant)
    pred_grams = Counter(tuple(pred[i : i + n]) for i in range(len(pred) - n + 1))
    ref_grams = Counter(tuple(ref[i : i + n]) for i in range(len(ref) - n + 1))
    overlap = sum(min(c, pred_grams[g]) for g, c in ref_grams.items())
    return _f1(overlap, max(sum(pred_grams.values()), 1), max(sum(ref_grams.values()), 1))


class ROUGE(Metric):
    """ROUGE F-measure of the output against the expected text; ``variant`` is ``"l"``
    (longest common subsequence, the default), ``"1"`` or ``"2"``. With several references
    the best one counts; precision and recall are in the metadata."""

    name = "rouge_l"
    requires = ("output", "expected")

    def __init__(self, variant: str = "l", *, name: str | None = None) -> None:
        variant = variant.lower().removeprefix("rouge").strip("-_")
        if variant != "l" and not variant.isdigit():
            raise ValueError(f"unknown ROUGE variant {variant!r} (l, 1, 2, ...)")
        super().__init__(name or f"rouge_{variant}")
        self.variant = variant

    def score(self, *, output: Any, expected: Any, **_: Any) -> ScoreResult:
        text = as_text(output)
        p, r, f = max((rouge(text, ref, self.variant) for ref in as_references(expected)), key=lambda s: s[2])
        return self.result(f, f"ROUGE-{self.variant.upper()} F {f:.3f} (precision {p:.3f}, recall {r:.3f})",
                           precision=p, recall=r)
