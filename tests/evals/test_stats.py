from __future__ import annotations

import math
import random
import statistics
from fractions import Fraction

import pytest

from spyglass.evals.stats import (
    bootstrap_mean_delta,
    cohen_kappa,
    compare,
    judge_agreement,
    paired,
    pearson,
    ranks,
    regressions,
    spearman,
)


def _synthetic(n: int, true_delta: float, seed: int) -> tuple[dict[str, float], dict[str, float]]:
    """Item difficulty varies a lot; the candidate shifts every item by ``true_delta`` plus noise."""
    rng = random.Random(seed)
    base, cand = {}, {}
    for i in range(n):
        difficulty = rng.uniform(0, 1)
        base[f"item-{i}"] = difficulty + rng.gauss(0, 0.05)
        cand[f"item-{i}"] = difficulty + true_delta + rng.gauss(0, 0.05)
    return base, cand


def test_bootstrap_interval_contains_the_true_delta() -> None:
    covered = 0
    for seed in range(40):
        base, cand = _synthetic(60, -0.04, seed)
        d = bootstrap_mean_delta(base, cand, resamples=1000, seed=seed)
        covered += d.low <= -0.04 <= d.high
    # a 95% interval: with 40 independent data sets expect ~38 hits; fewer than 33 would be a broken interval
    assert covered >= 33


def test_pairing_by_item_detects_a_small_shift_hidden_by_item_variance() -> None:
    base, cand = _synthetic(80, -0.05, seed=7)
    d = bootstrap_mean_delta(base, cand)
    assert d.n == 80 and d.delta == pytest.approx(statistics.fmean(cand.values()) - statistics.fmean(base.values()))
    assert d.high < 0 and d.significant and d.regression and not d.improvement
    # pair the wrong items and the spread of item difficulty swamps the shift
    keys = list(cand)
    random.Random(0).shuffle(keys)
    mismatched = bootstrap_mean_delta(base, dict(zip(keys, cand.values())))
    assert mismatched.high - mismatched.low > 3 * (d.high - d.low) and not mismatched.significant


def test_no_change_is_not_flagged() -> None:
    flagged = 0
    for seed in range(20):
        base, cand = _synthetic(50, 0.0, seed)
        flagged += bootstrap_mean_delta(base, cand, resamples=500, seed=seed).regression
    assert flagged <= 2


def test_direction_min_items_and_missing_items() -> None:
    base = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.2, "e": 0.1, "f": None}
    worse = {"a": 0.5, "b": 0.6, "c": 0.7, "d": 0.6, "e": 0.5, "g": 0.9}  # hallucination went up
    d = bootstrap_mean_delta(base, worse, higher_is_better=False, metric="hallucination")
    assert d.n == 5 and d.delta == pytest.approx(0.4) and d.low == pytest.approx(0.4) and d.regression
    few = bootstrap_mean_delta({"a": 0.1, "b": 0.2}, {"a": 0.9, "b": 0.9})
    assert few.low > 0 and not few.significant  # two items are never enough
    assert d.to_dict()["regression"] is True and d.to_dict()["metric"] == "hallucination"
    with pytest.raises(ValueError):
        bootstrap_mean_delta({"a": 1.0}, {"b": 1.0})


def test_paired_sequences_and_errors() -> None:
    assert paired([1, None, 3], [2, 5, None]) == ([1.0], [2.0])
    with pytest.raises(ValueError):
        paired([1, 2], [1])
    with pytest.raises(TypeError):
        paired({"a": 1}, [1])


def test_compare_flags_only_significant_regressions() -> None:
    base_acc, cand_acc = _synthetic(60, -0.08, seed=1)
    base_rel, cand_rel = _synthetic(60, 0.0, seed=2)
    base_hal, cand_hal = _synthetic(60, -0.08, seed=3)
    deltas = compare(
        {"accuracy": base_acc, "relevance": base_rel, "hallucination": base_hal, "only_base": {"x": 1.0}},
        {"accuracy": cand_acc, "relevance": cand_rel, "hallucination": cand_hal, "empty": {}},
        higher_is_better={"hallucination": False},
    )
    assert [d.metric for d in deltas] == ["accuracy", "hallucination", "relevance"]
    assert [d.metric for d in regressions(deltas)] == ["accuracy"]
    assert deltas[1].improvement  # hallucination went down
    assert not deltas[2].significant


def _kappa_from_table(table: list[list[int]]) -> float:
    """Cohen's kappa straight from the definition, on a confusion table, in exact fractions."""
    n = sum(map(sum, table))
    k = len(table)
    po = Fraction(sum(table[i][i] for i in range(k)), n)
    pe = sum(Fraction(sum(table[i]), n) * Fraction(sum(row[i] for row in table), n) for i in range(k))
    return float((po - pe) / (1 - pe))


def _labels_from_table(table: list[list[int]], cats: list[str]) -> tuple[list[str], list[str]]:
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [cats[i]] * count
            b += [cats[j]] * count
    return a, b


def test_cohen_kappa_matches_the_definition() -> None:
    table = [[20, 5, 1], [3, 15, 4], [2, 2, 8]]  # judge rows, human columns
    a, b = _labels_from_table(table, ["bad", "ok", "good"])
    assert cohen_kappa(a, b) == pytest.approx(_kappa_from_table(table))
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa(b, a))
    assert cohen_kappa(["y", "n", "y"], ["y", "n", "y"]) == 1.0
    assert math.isnan(cohen_kappa(["y", "y"], ["y", "y"]))


def test_weighted_kappa_matches_the_definition() -> None:
    table = [[10, 4, 1], [2, 12, 3], [0, 3, 9]]
    a, b = _labels_from_table(table, ["1", "2", "3"])
    n, k = sum(map(sum, table)), 3
    rows = [sum(r) for r in table]
    cols = [sum(r[j] for r in table) for j in range(k)]
    for name, w in (("linear", lambda i, j: abs(i - j)), ("quadratic", lambda i, j: (i - j) ** 2)):
        observed = sum(w(i, j) * table[i][j] for i in range(k) for j in range(k)) / n
        expected = sum(w(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k)) / n**2
        assert cohen_kappa(a, b, weights=name) == pytest.approx(1 - observed / expected)
    # ordinal weights follow the given label order, not the sort order of the names
    assert cohen_kappa(["lo", "hi"], ["mid", "hi"], weights="linear", labels=["lo", "mid", "hi"]) == pytest.approx(
        1 - (1 / 2) / ((1 * 1 + 2 * 1 + 1 * 1 + 0) / 4))


def test_correlations() -> None:
    rng = random.Random(3)
    x = [rng.random() for _ in range(50)]
    y = [v * 2 + rng.gauss(0, 0.3) for v in x]
    assert pearson(x, y) == pytest.approx(statistics.correlation(x, y))
    assert ranks([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]
    assert spearman([1, 2, 3, 4], [1, 4, 9, 16]) == pytest.approx(1.0)  # monotone, not linear
    assert spearman(x, y) == pytest.approx(statistics.correlation(ranks(x), ranks(y)))
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))


def test_judge_agreement() -> None:
    judge = {"a": 0.9, "b": 0.2, "c": 0.7, "d": 0.4, "e": None}
    human = {"a": 1.0, "b": 0.0, "c": 0.0, "d": 0.0, "e": 1.0}
    agreement = judge_agreement(judge, human, threshold=0.5)
    assert agreement.n == 4 and agreement.exact == 0.75
    assert agreement.kappa == pytest.approx(_kappa_from_table([[2, 0], [1, 1]]))  # rows: judge fail/pass
    assert agreement.mean_abs_error == pytest.approx((0.1 + 0.2 + 0.7 + 0.4) / 4)
    assert agreement.pearson == pytest.approx(statistics.correlation([0.9, 0.2, 0.7, 0.4], [1.0, 0.0, 0.0, 0.0]))
