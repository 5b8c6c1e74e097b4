"""Krippendorff's own bootstrap of alpha (KALPHA; Krippendorff 2006/2011, Hayes & Krippendorff
2007), beside the app's BCa bootstrap over cases: the published example's alpha and number of
pairs, the resamples' distribution against a literal pair-by-pair implementation, and the
properties a sampling distribution of alpha must have."""

import numpy as np
import pytest

from coding.reliability.coefficients import (
    kalpha_bootstrap,
    q_below,
    q_histogram,
    row_statistics,
)
from coding.reliability.encoding import Coded

# Hayes & Krippendorff (2007), Table 1: 40 units, 5 observers, values 0-3, "." missing.
HAYES_KRIPPENDORFF = """
1 1 2 . 2|1 1 0 1 .|2 3 3 3 .|. 0 0 . 0|0 0 0 . 0|0 0 0 . 0|1 0 2 . 1|1 . 2 0 .|2 2 2 . 2
2 1 1 1 .|. 1 0 0 .|0 0 0 0 .|1 2 2 2 .|3 3 2 2 3|1 1 1 . 1|1 1 1 . 1|2 1 2 . 2|1 2 3 3 .
1 1 0 1 .|0 0 0 . 0|0 0 1 1 .|0 0 . 0 0|2 3 3 3 .|0 0 0 0 .|1 2 . 2 2|0 1 1 1 .|0 0 0 1 0
1 2 1 2 .|1 1 2 2 .|1 1 2 . 2|1 1 0 . 0|2 1 2 1 .|2 2 . 2 2|3 2 2 2 .|2 2 2 . 2|2 2 3 . 2
2 2 2 . 2|2 2 . 1 2|2 2 2 2 .|1 1 1 . 1
"""


def _hayes() -> Coded:
    units = HAYES_KRIPPENDORFF.replace("\n", "|").strip("|").split("|")
    codes = np.array([[-1 if v == "." else int(v) for v in unit.split()] for unit in units])
    return Coded(codes=codes, q=4, values=np.arange(4.0))


def _literal(coded: Coded, n_boot: int, rng) -> np.ndarray:
    """The algorithm as Krippendorff writes it, pair by pair: every ordered pair of values
    from different coders of a unit, weighted 1 / (m_u - 1) (the coincidence matrix), M draws
    of a pair per resample, alpha = 1 - sum(delta) / (M D_e); nominal delta."""
    pairs, weights, values = [], [], []
    for row in coded.codes:
        v = row[row >= 0]
        if v.size < 2:
            continue
        values.extend(v)
        for i in range(v.size):
            for j in range(v.size):
                if i != j:
                    pairs.append(v[i] != v[j])
                    weights.append(1.0 / (v.size - 1))
    pairs, weights = np.array(pairs, dtype=float), np.array(weights)
    n = len(values)
    counts = np.bincount(values)
    d_e = (n * n - (counts ** 2).sum()) / (n * (n - 1))
    m = sum(int(k * (k - 1) // 2) for k in (coded.codes >= 0).sum(axis=1) if k >= 2)
    idx = rng.choice(pairs.size, size=(n_boot, m), p=weights / weights.sum())
    return 1.0 - pairs[idx].sum(axis=1) / (m * d_e)


def test_hayes_krippendorff_example_alpha_and_number_of_pairs():
    coded = _hayes()
    nominal = kalpha_bootstrap(coded, level="nominal", n_boot=0)
    ordinal = kalpha_bootstrap(coded, level="ordinal", n_boot=0)
    # The published alphas (nominal .4765, ordinal .7598) and "239 pairs of judgments".
    assert nominal["alpha"] == pytest.approx(0.4765, abs=5e-5)
    assert ordinal["alpha"] == pytest.approx(0.7598, abs=5e-5)
    assert ordinal["pairs"] == 239 and ordinal["pairable_values"] == 159
    # The same alpha as the engine, at every level.
    for level in ("nominal", "ordinal", "interval", "ratio"):
        engine = row_statistics(coded, level=level, n_boot=0)["krippendorff_alpha"]
        assert kalpha_bootstrap(coded, level=level, n_boot=0)["alpha"] == pytest.approx(
            engine, abs=1e-12)


def test_resamples_have_the_distribution_of_the_literal_pair_by_pair_algorithm():
    coded = _hayes()
    ours = kalpha_bootstrap(coded, level="nominal", n_boot=20000, seed=3)["boot"]
    literal = _literal(coded, 20000, np.random.default_rng(5))
    assert ours.mean() == pytest.approx(literal.mean(), abs=0.004)
    assert ours.std() == pytest.approx(literal.std(), rel=0.05)
    assert np.quantile(ours, 0.025) == pytest.approx(np.quantile(literal, 0.025), abs=0.01)


def test_the_distribution_centres_on_alpha_narrows_with_more_data_and_q_is_monotone():
    coded = _hayes()
    result = kalpha_bootstrap(coded, level="ordinal", n_boot=10000, seed=1)
    assert result["boot"].mean() == pytest.approx(result["alpha"], abs=0.003)
    assert result["ci_low"] < result["alpha"] < result["ci_high"]
    four = Coded(codes=np.tile(coded.codes, (4, 1)), q=4, values=coded.values)
    bigger = kalpha_bootstrap(four, level="ordinal", n_boot=10000, seed=1)
    assert bigger["alpha"] == pytest.approx(result["alpha"], abs=0.01)
    width = result["ci_high"] - result["ci_low"]
    assert (bigger["ci_high"] - bigger["ci_low"]) == pytest.approx(width / 2, rel=0.15)
    histogram = q_histogram(result["boot"])
    qs = [q_below(histogram, t) for t in (0.5, 0.6, 0.667, 0.7, 0.75, 0.8, 0.9)]
    assert qs == sorted(qs) and qs[0] == 0.0 and qs[-1] == 1.0
    assert 0.3 < q_below(histogram, 0.76) < 0.7  # alpha is the distribution's middle


def test_the_same_seed_gives_the_same_resamples_and_alphas_below_minus_one_are_dropped():
    coded = _hayes()
    a = kalpha_bootstrap(coded, n_boot=500, seed=9)
    b = kalpha_bootstrap(coded, n_boot=500, seed=9)
    assert np.array_equal(a["boot"], b["boot"])
    # Three cases, one disagreement: D_e = 1/3 and M = 3, so drawing the disagreeing pair
    # three times (probability 1/27) gives alpha -2, outside alpha's range: dropped, as in
    # KALPHA.
    tiny = Coded(codes=np.array([[0, 1], [0, 0], [0, 0]]), q=2)
    result = kalpha_bootstrap(tiny, n_boot=2000, seed=0)
    assert result["dropped"] > 0 and (result["boot"] >= -1).all()
    assert result["dropped"] + result["boot"].size == 2000
    assert result["dropped"] / 2000 == pytest.approx(1 / 27, abs=0.015)


def test_one_category_or_no_pairable_values_give_no_alpha_and_no_interval():
    same = kalpha_bootstrap(Coded(codes=np.zeros((40, 2), dtype=np.int64), q=2))
    assert same["alpha"] is None and same["ci_low"] is None and same["boot"].size == 0
    single = kalpha_bootstrap(Coded(codes=np.array([[0, -1], [1, -1]]), q=2))
    assert single["alpha"] is None and single["pairs"] == 0


def test_the_table_level_function_encodes_like_the_engine():
    from coding.reliability.statistics import krippendorff_alpha, krippendorff_alpha_kalpha

    table = {u: {"a": u % 3, "b": (u % 3) if u % 5 else (u + 1) % 3} for u in range(60)}
    result = krippendorff_alpha_kalpha(table, level="nominal", n_boot=200)
    assert result["alpha"] == pytest.approx(krippendorff_alpha(table), abs=1e-12)
    assert result["pairs"] == 60 and result["boot"].size + result["dropped"] == 200
