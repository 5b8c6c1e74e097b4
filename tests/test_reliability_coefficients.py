"""Published figures for the coefficients added to the reliability report, and the
bootstrap's honesty about undefined resamples and small samples (no database)."""

from statistics import NormalDist

import numpy as np
import pytest

from coding.reliability.coefficients import row_statistics
from coding.reliability.encoding import Coded, encode
from coding.reliability.statistics import (
    attribute_statistics,
    binary_indices,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
)


def table_from_rows(rows, missing="*"):
    table = {}
    for coder, line in rows.items():
        for unit, value in enumerate(line.split(), start=1):
            table.setdefault(unit, {})
            if value != missing:
                table[unit][coder] = int(value)
    return table


# Krippendorff (2011), section C; the same data are irrCAC's cac.raw4raters, except that
# irrCAC gives unit 12's single rating to its third rater (here coder B).
WORKED = table_from_rows({
    "A": "1 2 3 3 2 1 4 1 2 * * *",
    "B": "1 2 3 3 2 2 4 1 2 5 * 3",
    "C": "* 3 3 3 2 3 4 2 2 5 1 *",
    "D": "1 2 3 3 2 4 4 1 2 5 1 *",
})
IRRCAC_4RATERS = {**WORKED, 12: {"C": 3}}


def counts_table(counts):
    """Subjects x categories counts (every subject rated by the same number of raters) ->
    a table where rater i of a subject is just the i-th rating."""
    table = {}
    for unit, row in enumerate(counts):
        ratings = [k for k, n in enumerate(row, start=1) for _ in range(n)]
        table[unit] = dict(enumerate(ratings))
    return table


# Fleiss' kappa example (Wikipedia "Fleiss' kappa"; statsmodels' fleiss_kappa test data):
# 10 subjects, 14 raters, 5 categories; P-bar 0.378, P_e 0.213, kappa 0.210.
FLEISS = counts_table([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
])


def test_krippendorff_published_levels_through_the_engine():
    for level, published in [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                             ("ratio", 0.797)]:
        stats = attribute_statistics(WORKED, kind="number", level=level, n_boot=0)
        assert round(stats["krippendorff_alpha"], 3) == published
        # The engine equals the krippendorff package to rounding error.
        assert stats["krippendorff_alpha"] == pytest.approx(
            krippendorff_alpha(WORKED, level=level), abs=1e-12)


def test_fleiss_kappa_reproduces_the_published_example():
    assert round(fleiss_kappa(FLEISS), 3) == 0.210
    assert round(fleiss_kappa(FLEISS), 4) == 0.2099  # statsmodels' documented value


def test_irrcac_raw4raters_fleiss_conger_ac1_ac2():
    # irrCAC's documented results for cac.raw4raters (its unit tests, 3 decimals).
    assert round(fleiss_kappa(IRRCAC_4RATERS), 3) == 0.761
    assert round(conger_kappa(IRRCAC_4RATERS), 3) == 0.763
    assert round(gwet_ac1(IRRCAC_4RATERS), 3) == 0.775
    assert round(gwet_ac2(IRRCAC_4RATERS, level="ordinal"), 3) == 0.899
    assert round(gwet_ac2(IRRCAC_4RATERS, level="interval"), 3) == 0.914  # quadratic weights
    assert round(gwet_ac2(IRRCAC_4RATERS, level="ratio"), 3) == 0.857


def test_conger_equals_cohen_for_two_coders_without_missing_values():
    rng = np.random.default_rng(4)
    table = {u: {"a": int(rng.integers(3)), "b": int(rng.integers(3))} for u in range(40)}
    assert conger_kappa(table) == pytest.approx(cohen_kappa(table, "a", "b"))


def test_ac1_counts_chance_over_the_codebook_categories():
    # Two coders, 10 cases, options x / y / z of which z is never used: 8 agree.
    pairs = [("x", "x")] * 5 + [("y", "y")] * 3 + [("x", "y"), ("y", "x")]
    table = {u: {"a": a, "b": b} for u, (a, b) in enumerate(pairs)}
    # pi_x = 12/20 = 0.6, pi_y = 0.4, pi_z = 0. Over the two categories used:
    # pe = 0.6 * 0.4 + 0.4 * 0.6 = 0.48, AC1 = (0.8 - 0.48) / 0.52 = 0.615.
    assert gwet_ac1(table) == pytest.approx(0.32 / 0.52)
    # Over the scale's three: pe = 0.48 / 2 = 0.24, AC1 = (0.8 - 0.24) / 0.76 = 0.737.
    stats = attribute_statistics(table, kind="single", categories=["x", "y", "z"], n_boot=0)
    assert stats["gwet_ac1"] == pytest.approx(0.56 / 0.76)
    assert stats["gwet_ac1"] == pytest.approx(gwet_ac1(table, n_categories=3))


def test_an_option_nobody_chose_is_not_estimable_rather_than_one():
    # Issue 21: AC1 1.000 [1, 1] and PABAK 1.000 on an option nobody chose said nothing.
    table = {u: {"a": False, "b": False} for u in range(12)}
    stats = attribute_statistics(table, kind="boolean", n_boot=100)
    assert stats["estimable"] is False
    for key in ("gwet_ac1", "pabak", "krippendorff_alpha", "cohen_kappa", "fleiss_kappa"):
        assert stats[key] is None, key
    assert stats["alpha_ci_low"] is None and stats["ac1_ci_low"] is None
    assert stats["percent_agreement"] == 1.0 and stats["prevalence_index"] == -1.0
    assert any("not estimable" in w for w in stats["warnings"])


def test_pabak_prevalence_and_bias_on_a_textbook_two_by_two_table():
    # The kappa paradox table: both yes 80, yes/no 10, no/yes 5, both no 5 (n = 100).
    # p_o = 0.85; p_e = 0.90 * 0.85 + 0.10 * 0.15 = 0.78, kappa = 0.07 / 0.22 = 0.318;
    # PABAK = 2 * 0.85 - 1 = 0.70; prevalence (80 - 5) / 100 = 0.75; bias |10 - 5| / 100.
    cells = [(True, True, 80), (True, False, 10), (False, True, 5), (False, False, 5)]
    table, unit = {}, 0
    for a, b, n in cells:
        for _ in range(n):
            table[unit] = {"A": a, "B": b}
            unit += 1
    indices = binary_indices(table)
    assert indices["pabak"] == pytest.approx(0.70)
    assert indices["prevalence_index"] == pytest.approx(0.75)
    assert indices["bias_index"] == pytest.approx(0.05)
    stats = attribute_statistics(table, kind="boolean", n_boot=200)
    assert round(stats["cohen_kappa"], 3) == 0.318
    assert any("prevalence index +0.75" in w for w in stats["warnings"])


def test_three_coders_get_fleiss_and_conger_but_no_cohen_or_prevalence():
    table = {u: {"a": u % 2 == 0, "b": u % 2 == 0, "c": u % 3 == 0} for u in range(42)}
    stats = attribute_statistics(table, kind="boolean", n_boot=100)
    assert stats["cohen_kappa"] is None and stats["prevalence_index"] is None
    assert stats["fleiss_kappa"] is not None and stats["conger_kappa"] is not None
    assert stats["pabak"] == pytest.approx(2 * stats["percent_agreement"] - 1)
    assert stats["fleiss_kappa_ci_low"] <= stats["fleiss_kappa"] <= stats["fleiss_kappa_ci_high"]


def test_bootstrap_reports_dropped_resamples():
    # 12 cases all agreeing but one: many resamples draw agreeing cases only, in one
    # category, where alpha and kappa are undefined; they are counted, not hidden. (With the
    # page's rules this row gets no interval at all: see test_reliability_intervals.py.)
    table = {u: {"a": 1, "b": 1} for u in range(11)}
    table[11] = {"a": 1, "b": 2}
    stats = row_statistics(encode(table)[0], n_boot=1000, seed=0, min_minority=0,
                           min_units=0, max_dropped=1.0)
    assert stats["resamples"] == 1000
    assert 0 < stats["alpha_dropped"] < 1000
    assert stats["alpha_dropped"] == stats["cohen_kappa_dropped"]
    assert any(f"{stats['alpha_dropped']} of 1000 resamples" in w for w in stats["warnings"])


def test_fewer_than_forty_cases_show_figures_without_intervals():
    table = {u: {"a": u % 3, "b": (u + (u == 2)) % 3} for u in range(5)}
    stats = row_statistics(encode(table)[0], n_boot=1000)
    assert stats["krippendorff_alpha"] is not None and stats["gwet_ac1"] is not None
    assert stats["alpha_ci_low"] is None and stats["ac1_ci_low"] is None
    assert stats["resamples"] == 0
    assert stats["warnings"] == [
        "Only 5 cases coded twice or more: no interval below 40; the figures are shown but "
        "are imprecise."
    ]


def test_bootstrap_equals_an_independent_resampling_of_the_same_counts():
    # The engine draws pattern counts; expanding each resample into its cases and computing
    # alpha from scratch (the krippendorff package) gives the same percentiles.
    rng = np.random.default_rng(9)
    table = {u: {"a": int(rng.integers(3)), "b": int(rng.integers(3))} for u in range(25)}
    for u in range(15):
        table[u]["b"] = table[u]["a"]
    coded, _ = encode(table)
    stats = row_statistics(coded, n_boot=200, seed=3, min_units=10)

    from coding.reliability import coefficients as engine
    patterns = engine._Patterns(coded)
    counts = engine._resample_counts(patterns, 200, 3)
    alphas = []
    for draw in counts:
        sample, unit = {}, 0
        for p, n in enumerate(draw):
            for _ in range(int(n)):
                sample[unit] = {g: int(v) for g, v in enumerate(patterns.codes[p]) if v >= 0}
                unit += 1
        value = krippendorff_alpha(sample)
        if value is not None:
            alphas.append(value)
    # BCa (Efron 1987) from scratch: z0 from the share below the estimate, the acceleration
    # from the leave-one-case-out alphas of the krippendorff package.
    alphas = np.array(alphas)
    estimate = krippendorff_alpha(table)
    normal = NormalDist()
    z0 = normal.inv_cdf((np.sum(alphas < estimate) + 0.5 * np.sum(alphas == estimate))
                        / len(alphas))
    jack = np.array([krippendorff_alpha({u: c for u, c in table.items() if u != left})
                     for left in table])
    d = jack.mean() - jack
    a = (d ** 3).sum() / (6 * ((d ** 2).sum()) ** 1.5)
    levels = [normal.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))) for z in (-1.959964, 1.959964)]
    low, high = np.quantile(alphas, levels)
    assert stats["alpha_ci_low"] == pytest.approx(low, abs=1e-4)
    assert stats["alpha_ci_high"] == pytest.approx(high, abs=1e-4)


def test_same_seed_same_intervals_and_every_coefficient_on_the_same_resamples():
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 3, size=(200, 2))
    codes[:120, 1] = codes[:120, 0]
    first = row_statistics(Coded(codes, 3), n_boot=300, seed=5)
    again = row_statistics(Coded(codes, 3), n_boot=300, seed=5)
    other = row_statistics(Coded(codes, 3), n_boot=300, seed=6)
    assert first == again
    assert first["alpha_ci_low"] != other["alpha_ci_low"]
    for key in ("alpha", "cohen_kappa", "fleiss_kappa", "ac1"):
        assert first[f"{key}_ci_low"] < first[f"{key}_ci_high"]


def test_kept_unit_draws_give_the_counts_of_drawing_the_units_again(monkeypatch):
    # Many patterns for their units: the units themselves are drawn. Their multiplicities
    # are kept for the next row of as many units; the counts must be those of drawing again.
    from coding.reliability import coefficients as engine
    rng = np.random.default_rng(4)
    rows = []
    for n in (150, 150, 151):  # two rows of as many units, then one more
        codes = rng.integers(0, 40, size=(n, 2))
        codes[: n // 2, 1] = codes[: n // 2, 0]
        rows.append(engine._Patterns(Coded(codes, 40)))
    assert all(len(p.freq) > 64 and len(p.freq) * 8 > p.units_rated for p in rows)
    kept = [engine._resample_counts(p, 300, 7) for p in rows]
    monkeypatch.setattr(engine, "_CACHED_DRAWS", 0)
    drawn = [engine._resample_counts(p, 300, 7) for p in rows]
    for a, b in zip(kept, drawn, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(drawn[0], drawn[1])  # other patterns: other counts
    assert engine._unit_multiplicities(150, 300, 7).flags.writeable is False


def test_only_the_values_coefficients_are_the_same_whoever_gave_them():
    # With only percent agreement and alpha wanted, five coders' cases are patterns of
    # their values alone from the start; the figures and intervals are those of the full row.
    rng = np.random.default_rng(8)
    codes = np.full((300, 5), -1)
    for unit in range(300):
        coders = rng.choice(5, size=2 + (unit % 7 == 0), replace=False)
        value = rng.integers(0, 4)
        codes[unit, coders] = [value if rng.random() < 0.7 else rng.integers(0, 4)
                               for _ in coders]
    full = row_statistics(Coded(codes, 4), n_boot=400, seed=1)
    only = row_statistics(Coded(codes, 4), n_boot=400, seed=1,
                          only=("percent_agreement", "krippendorff_alpha"))
    for key in ("units", "coders", "percent_agreement", "krippendorff_alpha", "alpha_ci_low",
                "alpha_ci_high", "alpha_dropped", "pairable_values", "minority_values"):
        assert only[key] == pytest.approx(full[key], abs=1e-12), key
    assert only["alpha_boot"] == full["alpha_boot"]
    assert only["coders"] == 5 and only["alpha_ci_low"] is not None
    assert only["cohen_kappa"] is None and full["conger_kappa"] is not None


def test_masi_alpha_from_bit_masks_equals_the_package():
    from coding.reliability.alpha import masi_distance
    from coding.reliability.coefficients import alpha_with_distance
    from coding.reliability.encoding import (
        encode_set_entries,
        masi_matrix,
        sets_coded,
        table_entries,
    )

    rng = np.random.default_rng(11)
    options = list("abcde")
    table = {}
    for u in range(60):
        row = {}
        for coder in ("x", "y", "z"):
            if rng.random() < 0.9:
                row[coder] = frozenset(o for o in options if rng.random() < 0.35)
        table[u] = row
    masks, _ = encode_set_entries(table_entries(table, ["x", "y", "z"]), options)
    coded, distinct = sets_coded(masks)
    assert alpha_with_distance(coded, masi_matrix(distinct)) == pytest.approx(
        krippendorff_alpha(table, distance=masi_distance), abs=1e-12)
    assert alpha_with_distance(coded, 1.0 - np.eye(coded.q)) == pytest.approx(
        krippendorff_alpha(table), abs=1e-12)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_pair_figures_from_the_table_equal_the_engine(level):
    from coding.reliability.coefficients import pair_figures, pair_tables

    rng = np.random.default_rng(21)
    codes = np.full((80, 3), -1)
    for u in range(80):
        cols = rng.choice(3, size=2, replace=False)
        codes[u, cols] = rng.integers(0, 4, size=2)
    codes[:50, 2] = np.where(codes[:50, 2] >= 0, codes[:50, 2], -1)
    coded = Coded(codes, 4, np.array([1.0, 2.0, 4.0, 7.0]))
    for (i, j), table in pair_tables(coded).items():
        both = (codes[:, i] >= 0) & (codes[:, j] >= 0)
        engine = row_statistics(Coded(codes[both][:, [i, j]], 4, coded.values), level=level,
                                n_boot=0)
        figures = pair_figures(table, level=level, values=coded.values)
        for key in ("units", "percent_agreement", "cohen_kappa", "krippendorff_alpha",
                    "gwet_ac1"):
            assert figures[key] == pytest.approx(engine[key], abs=1e-12), (key, i, j)


def test_distinct_rows_of_wide_rows_are_those_of_np_unique():
    # Rows too wide for one integer key (10 coders, 83 categories) take the grouped keys.
    from coding.reliability.coefficients import _unique_rows

    rng = np.random.default_rng(5)
    for q, coders in ((83, 10), (5000, 7), (3, 40)):
        codes = rng.integers(-1, min(q, 4), size=(500, coders))
        rows, counts, inverse = _unique_rows(codes, q)
        want_rows, want_inverse, want_counts = np.unique(
            codes, axis=0, return_inverse=True, return_counts=True)
        assert np.array_equal(rows, want_rows) and np.array_equal(counts, want_counts)
        assert np.array_equal(inverse, want_inverse.ravel())


@pytest.mark.parametrize("most_values", [3, 6])
def test_an_alpha_of_a_subset_of_units_equals_row_statistics_of_those_units(most_values):
    from coding.reliability.coefficients import subset_alphas

    rng = np.random.default_rng(most_values)
    units, coders, q = 400, 8, 12
    codes = np.full((units, coders), -1)
    for u in range(units):
        who = rng.choice(coders, size=rng.integers(1, most_values + 1), replace=False)
        codes[u, who] = rng.choice(q, size=len(who), p=np.r_[[0.5], np.full(q - 1, 0.5 / (q - 1))])
    codes[:20] = -1  # units nobody coded
    codes[20:30, 1:] = -1  # units with one value
    coded = Coded(codes=codes, q=q)
    alpha_of = subset_alphas(coded)
    masks = [rng.random(units) < share for share in (0.5, 0.1, 0.9, 0.02)]
    masks += [np.zeros(units, dtype=bool), np.arange(units) < 30]  # nothing; nothing pairable
    one_category = np.zeros(units, dtype=bool)
    one_category[[u for u in range(30, units) if set(codes[u][codes[u] >= 0]) == {0}]] = True
    masks.append(one_category)  # every value the same: not estimable
    for mask in masks:
        expected = (row_statistics(Coded(codes=codes[mask], q=q), n_boot=0)["krippendorff_alpha"]
                    if mask.any() else None)
        got = alpha_of(mask)
        if expected is None or most_values <= 3:
            assert got == expected  # whole-number terms: bit for bit
        else:
            assert got == pytest.approx(expected, abs=1e-12)
    assert [alpha_of(m) is None for m in masks[-3:]] == [True, True, True]
