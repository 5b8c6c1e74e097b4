"""Tests for coding.reliability (pure functions, no database)."""

import itertools
import math
import random
import time

import krippendorff
import numpy as np
import pytest

from coding.reliability import alpha as rel
from coding.reliability.statistics import (
    attribute_statistics,
    binarize,
    cohen_kappa,
    confusion_matrix,
    gwet_ac1,
    krippendorff_alpha,
    krippendorff_alpha_ci,
    masi_distance,
    option_statistics,
    percent_agreement,
    units_compared,
)


def table_from_rows(rows, missing="*"):
    """{coder: "v v * v"} -> reliability table {unit: {coder: int}} (units 1..N)."""
    table = {}
    for coder, line in rows.items():
        for unit, value in enumerate(line.split(), start=1):
            table.setdefault(unit, {})
            if value != missing:
                table[unit][coder] = int(value)
    return table


def naive_alpha(table, distance):
    """Textbook Krippendorff alpha from coincidences, by explicit pair enumeration."""
    o = {}
    for codes in table.values():
        values = list(codes.values())
        m = len(values)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            key = (values[i], values[j])
            o[key] = o.get(key, 0.0) + 1.0 / (m - 1)
    n_c = {}
    for (c, _), w in o.items():
        n_c[c] = n_c.get(c, 0.0) + w
    n = sum(n_c.values())
    d_o = sum(w * distance(c, k) for (c, k), w in o.items()) / n
    d_e = sum(n_c[c] * n_c[k] * distance(c, k) for c in n_c for k in n_c) / (n * (n - 1))
    return 1.0 - d_o / d_e


def nominal(a, b):
    return 0.0 if a == b else 1.0


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C.
WORKED = table_from_rows(
    {
        "A": "1 2 3 3 2 1 4 1 2 * * *",
        "B": "1 2 3 3 2 2 4 1 2 5 * 3",
        "C": "* 3 3 3 2 3 4 2 2 5 1 *",
        "D": "1 2 3 3 2 4 4 1 2 5 1 *",
    }
)

# Same paper, section A: binary data, two observers, no missing values.
BINARY = table_from_rows({"A": "0 1 0 0 0 0 0 0 1 0", "B": "1 1 1 0 0 1 0 0 0 0"})


def wikipedia_kappa_table():
    """Wikipedia 'Cohen's kappa' example: 50 grant proposals, readers A and B."""
    cells = [("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15)]
    table, unit = {}, 0
    for a, b, count in cells:
        for _ in range(count):
            table[unit] = {"A": a, "B": b}
            unit += 1
    return table


MULTI = {
    1: {"ann": frozenset({"a", "b"}), "bob": frozenset({"a", "b"}), "cy": frozenset({"a", "b"})},
    2: {"ann": frozenset({"a"}), "bob": frozenset({"a", "c"}), "cy": frozenset({"a"})},
    3: {"ann": frozenset(), "bob": frozenset(), "cy": frozenset({"c"})},
    4: {"ann": frozenset({"b", "c"}), "bob": frozenset({"c"}), "cy": frozenset({"a", "c"})},
    5: {"ann": frozenset({"a", "c"}), "bob": frozenset({"a", "c"})},
    6: {"ann": frozenset({"b"}), "bob": frozenset({"b"}), "cy": frozenset({"b"})},
    7: {"ann": frozenset({"a", "b", "c"})},  # single value: not pairable
}


# --------------------------------------------------------------------------- Krippendorff


def test_worked_example_nominal_alpha():
    assert round(krippendorff_alpha(WORKED), 3) == 0.743
    assert krippendorff_alpha(WORKED, level="nominal") == pytest.approx(0.743421052631579)


def test_worked_example_other_levels_match_published_values():
    # Same paper: ordinal 0.815, interval 0.849, ratio 0.797.
    assert round(krippendorff_alpha(WORKED, level="ordinal"), 3) == 0.815
    assert round(krippendorff_alpha(WORKED, level="interval"), 3) == 0.849
    assert round(krippendorff_alpha(WORKED, level="ratio"), 3) == 0.797


def test_worked_example_counts_and_agreement():
    # Unit 12 has a single value, so 11 units are pairable.
    assert units_compared(WORKED) == 11
    # Gwet's observed agreement: per-unit agreeing-pair shares over the 11 pairable units,
    # 1 + 1/2 + 1 + 1 + 1 + 0 + 1 + 1/2 + 1 + 1 + 1 = 9. irrCAC publishes pa = 0.8181818
    # for this very data set (its cac.raw4raters).
    assert percent_agreement(WORKED) == pytest.approx(9 / 11)


def test_worked_example_gwet_ac1_matches_irrcac():
    # irrCAC: gwet.ac1.raw(cac.raw4raters) -> pa 0.8181818, pe 0.1903212, AC1 0.77544.
    assert round(gwet_ac1(WORKED), 4) == 0.7754


def test_binary_example_alpha():
    assert round(krippendorff_alpha(BINARY), 3) == 0.095
    # Two coders: percent agreement is the share of units both agree on (6 of 10).
    assert percent_agreement(BINARY) == pytest.approx(0.6)
    # Cohen: p_o = .6, p_e = .2*.4 + .8*.6 = .56 -> kappa = .04/.44.
    assert cohen_kappa(BINARY, "A", "B") == pytest.approx(0.04 / 0.44)


def test_alpha_matches_naive_coincidence_computation():
    assert krippendorff_alpha(WORKED) == pytest.approx(naive_alpha(WORKED, nominal))
    assert krippendorff_alpha(MULTI) == pytest.approx(naive_alpha(MULTI, nominal))
    assert krippendorff_alpha(MULTI, distance=masi_distance) == pytest.approx(
        naive_alpha(MULTI, masi_distance)
    )


def test_string_and_bool_categories_same_as_integer_codes():
    as_str = {u: {c: f"cat{v}" for c, v in codes.items()} for u, codes in WORKED.items()}
    assert krippendorff_alpha(as_str) == pytest.approx(krippendorff_alpha(WORKED))
    as_bool = {u: {c: bool(v) for c, v in codes.items()} for u, codes in BINARY.items()}
    assert krippendorff_alpha(as_bool) == pytest.approx(krippendorff_alpha(BINARY))


def test_distance_callable_nominal_equals_nominal_level():
    assert krippendorff_alpha(WORKED, distance=nominal) == pytest.approx(krippendorff_alpha(WORKED))


def test_non_numeric_interval_and_unknown_level_raise():
    with pytest.raises(ValueError):
        krippendorff_alpha({1: {"a": "x", "b": "y"}}, level="interval")
    with pytest.raises(ValueError):
        krippendorff_alpha(WORKED, level="bogus")


# --------------------------------------------------------------------------- kappa / AC1


def test_wikipedia_cohen_kappa_example():
    table = wikipedia_kappa_table()
    assert units_compared(table) == 50
    assert percent_agreement(table) == pytest.approx(0.70)
    # p_e = .5*.6 + .5*.4 = .5 -> kappa = (.7 - .5) / .5 = .4
    assert cohen_kappa(table, "A", "B") == pytest.approx(0.40)
    assert cohen_kappa(table, "B", "A") == pytest.approx(0.40)


def test_gwet_ac1_two_raters_by_hand():
    table = wikipedia_kappa_table()
    # pi_yes = ((25 + 30) / 2) / 50 = 0.55; q = 2 -> pe = 2 * 0.55 * 0.45 = 0.495
    # AC1 = (0.70 - 0.495) / (1 - 0.495) = 0.405940...
    expected = (0.70 - 0.495) / (1 - 0.495)
    assert gwet_ac1(table, "A", "B") == pytest.approx(expected)
    assert round(gwet_ac1(table, "A", "B"), 4) == 0.4059
    # The multi-rater form reduces to the two-rater form for two raters.
    assert gwet_ac1(table) == pytest.approx(expected)


def test_gwet_ac1_multi_rater_by_hand():
    # Unit 1: x,x,x  Unit 2: x,x,y  Unit 3: y,y (coder c missing)
    table = {
        1: {"a": "x", "b": "x", "c": "x"},
        2: {"a": "x", "b": "x", "c": "y"},
        3: {"a": "y", "b": "y"},
        4: {"a": "z"},  # single rating: not in pa, but in the pi_k (as irrCAC)
    }
    pa = (1 + 2 / 6 + 1) / 3
    pi_x = (1 + 2 / 3 + 0 + 0) / 4
    pi_y = (0 + 1 / 3 + 1 + 0) / 4
    pi_z = (0 + 0 + 0 + 1) / 4
    pe = (pi_x * (1 - pi_x) + pi_y * (1 - pi_y) + pi_z * (1 - pi_z)) / 2  # q = 3 observed
    assert gwet_ac1(table) == pytest.approx((pa - pe) / (1 - pe))
    # With a four-point scale declared, q = 4.
    pe4 = (pi_x * (1 - pi_x) + pi_y * (1 - pi_y) + pi_z * (1 - pi_z)) / 3
    assert gwet_ac1(table, n_categories=4) == pytest.approx((pa - pe4) / (1 - pe4))


def test_gwet_ac1_argument_errors():
    table = wikipedia_kappa_table()
    with pytest.raises(ValueError):
        gwet_ac1(table, "A")
    with pytest.raises(ValueError):
        gwet_ac1(table, n_categories=1)


def test_confusion_matrix():
    labels, matrix = confusion_matrix(wikipedia_kappa_table(), "A", "B")
    assert labels == ["no", "yes"]
    assert matrix == [[15, 10], [5, 20]]  # rows: coder A, columns: coder B
    assert confusion_matrix(WORKED, "A", "nobody") == ([], [])


def test_kappa_only_over_units_both_coded():
    # Coder A did unit 3 alone; it must not affect kappa.
    table = {1: {"A": 1, "B": 1}, 2: {"A": 2, "B": 2}, 3: {"A": 1}}
    assert cohen_kappa(table, "A", "B") == 1.0
    assert cohen_kappa(table, "A", "C") is None


# --------------------------------------------------------------------------- MASI


def test_masi_distance_values():
    # nltk 3.10: masi_distance({"a","b"}, {"a","b","c"}) == 0.5555555555555556
    assert masi_distance(frozenset("ab"), frozenset("abc")) == pytest.approx(1 - (2 / 3) * (2 / 3))
    assert masi_distance(frozenset("ab"), frozenset("abc")) == pytest.approx(0.5555556)
    # NLTK docstring example.
    # NLTK's docstring example.
    assert masi_distance(frozenset({1, 2}), frozenset({1, 2, 3, 4})) == pytest.approx(0.6666667)
    assert masi_distance(frozenset("ab"), frozenset("bc")) == pytest.approx(1 - (1 / 3) * (1 / 3))
    assert masi_distance(frozenset("ab"), frozenset("cd")) == 1.0
    assert masi_distance(frozenset("ab"), frozenset("ba")) == 0.0
    assert masi_distance(frozenset(), frozenset()) == 0.0
    assert masi_distance(frozenset(), frozenset("a")) == 1.0
    for a, b in itertools.product(
        [frozenset(), frozenset("a"), frozenset("ab"), frozenset("bc")], repeat=2
    ):
        assert masi_distance(a, b) == masi_distance(b, a)


# --------------------------------------------------------------------------- degenerate cases


def test_perfect_agreement_in_several_categories():
    table = {u: {"a": v, "b": v, "c": v} for u, v in enumerate(["x", "y", "z", "x", "y"])}
    assert krippendorff_alpha(table) == 1.0
    assert percent_agreement(table) == 1.0
    assert gwet_ac1(table) == 1.0
    assert cohen_kappa(table, "a", "b") == 1.0
    low, high = krippendorff_alpha_ci(table, n_boot=200)
    assert low == high == 1.0


def test_single_category_is_undefined_but_agreement_is_total():
    table = {u: {"a": "x", "b": "x"} for u in range(6)}
    assert percent_agreement(table) == 1.0
    assert krippendorff_alpha(table) is None
    assert cohen_kappa(table, "a", "b") is None
    assert gwet_ac1(table) is None
    assert gwet_ac1(table, "a", "b") is None
    assert krippendorff_alpha_ci(table) == (None, None)
    stats = attribute_statistics(table, kind="single")
    assert stats["percent_agreement"] == 1.0
    assert stats["krippendorff_alpha"] is None
    assert stats["cohen_kappa"] is None


def test_single_unit():
    disagree = {1: {"a": "x", "b": "y"}}
    assert units_compared(disagree) == 1
    assert percent_agreement(disagree) == 0.0
    assert cohen_kappa(disagree, "a", "b") == 0.0  # p_o = 0, p_e = 0
    # pi_x = pi_y = .5, pe = .5, AC1 = (0 - .5) / .5
    assert gwet_ac1(disagree) == pytest.approx(-1.0)
    # o_xy = o_yx = 1, e_xy = e_yx = 1 -> alpha = 1 - 2/2 = 0
    assert krippendorff_alpha(disagree) == pytest.approx(0.0)

    agree = {1: {"a": "x", "b": "x"}}
    assert percent_agreement(agree) == 1.0
    assert krippendorff_alpha(agree) is None


@pytest.mark.parametrize(
    "table",
    [
        {},
        {1: {}, 2: {}},
        {1: {"a": "x"}, 2: {"b": "y"}, 3: {"a": "z"}},
    ],
)
def test_no_pairable_units_everything_none(table):
    assert units_compared(table) == 0
    assert percent_agreement(table) is None
    assert cohen_kappa(table, "a", "b") is None
    assert gwet_ac1(table) is None
    assert gwet_ac1(table, "a", "b") is None
    assert krippendorff_alpha(table) is None
    assert krippendorff_alpha(table, distance=masi_distance) is None
    assert krippendorff_alpha_ci(table) == (None, None)
    stats = attribute_statistics(table, kind="multi")
    assert stats["units"] == 0
    for key in (
        "percent_agreement",
        "cohen_kappa",
        "krippendorff_alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "gwet_ac1",
        "masi_alpha",
    ):
        assert stats[key] is None, key


def test_random_tables_never_nan_never_raise():
    rng = random.Random(42)
    for _ in range(200):
        n_units = rng.randint(0, 6)
        table = {
            u: {c: rng.choice("xy") for c in "abc" if rng.random() < 0.6} for u in range(n_units)
        }
        values = [
            percent_agreement(table),
            cohen_kappa(table, "a", "b"),
            gwet_ac1(table),
            gwet_ac1(table, "a", "b"),
            krippendorff_alpha(table),
            *krippendorff_alpha_ci(table, n_boot=20),
        ]
        for v in values:
            assert v is None or (isinstance(v, float) and math.isfinite(v))


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_ci_contains_estimate_and_is_deterministic():
    alpha = krippendorff_alpha(WORKED)
    low, high = krippendorff_alpha_ci(WORKED, seed=7)
    assert low is not None and high is not None
    assert low <= alpha <= high
    assert low < high
    assert high <= 1.0
    assert krippendorff_alpha_ci(WORKED, seed=7) == (low, high)
    assert krippendorff_alpha_ci(WORKED, seed=8) != (low, high)
    narrow = krippendorff_alpha_ci(WORKED, seed=7, confidence=0.5)
    assert low <= narrow[0] <= narrow[1] <= high
    assert narrow[1] - narrow[0] < high - low


def test_bootstrap_ci_matches_independent_percentile_bootstrap():
    # Re-do the documented procedure by hand: resample the pairable units with
    # numpy's default_rng(seed), drop undefined resamples, take percentiles.
    n_boot, seed = 300, 5
    units = [codes for codes in WORKED.values() if len(codes) >= 2]
    draws = np.random.default_rng(seed).integers(0, len(units), size=(n_boot, len(units)))
    alphas = []
    for idx in draws:
        sample = {k: units[i] for k, i in enumerate(idx)}
        try:
            alphas.append(naive_alpha(sample, nominal))
        except ZeroDivisionError:  # a single value drawn: alpha undefined
            pass
    expected = np.percentile(alphas, [2.5, 97.5])
    low, high = krippendorff_alpha_ci(WORKED, n_boot=n_boot, seed=seed)
    assert low == pytest.approx(expected[0])
    assert high == pytest.approx(expected[1])


def test_bootstrap_counts_path_equals_package_on_full_data():
    # The bootstrap feeds value counts to krippendorff.alpha; with the identity
    # resample it must reproduce the point estimate.
    for table, kwargs in [
        (WORKED, {}),
        (WORKED, {"level": "interval"}),
        (BINARY, {}),
        (MULTI, {}),
        (MULTI, {"distance": masi_distance}),
    ]:
        prepared = rel._Prepared(table, kwargs.get("level", "nominal"), kwargs.get("distance"))
        assert prepared.alpha_from_counts(prepared.counts) == pytest.approx(
            krippendorff_alpha(table, **kwargs)
        )


def test_bootstrap_is_fast_for_56_units_5_coders():
    rng = random.Random(3)
    table = {u: {c: rng.choice("abcd") for c in range(5)} for u in range(56)}
    sets = {
        u: {c: frozenset(o for o in "wxyz" if rng.random() < 0.4) for c in range(5)}
        for u in range(56)
    }
    start = time.perf_counter()
    krippendorff_alpha_ci(table, n_boot=1000)
    krippendorff_alpha_ci(sets, distance=masi_distance, n_boot=1000)
    assert time.perf_counter() - start < 2.0


# --------------------------------------------------------------------------- multi-choice


def test_attribute_statistics_multi():
    stats = attribute_statistics(MULTI, kind="multi", n_boot=300)
    assert {
        "units",
        "coders",
        "percent_agreement",
        "cohen_kappa",
        "fleiss_kappa",
        "conger_kappa",
        "krippendorff_alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "gwet_ac1",
        "gwet_ac2",
        "masi_alpha",
        "warnings",
    } <= set(stats)
    assert "pabak" not in stats  # only on yes/no rows
    assert stats["units"] == 6
    assert stats["coders"] == 3
    assert stats["cohen_kappa"] is None  # three coders
    assert stats["krippendorff_alpha"] == pytest.approx(naive_alpha(MULTI, nominal))
    assert stats["masi_alpha"] == pytest.approx(naive_alpha(MULTI, masi_distance))
    # Partial overlaps count as partial agreement under MASI.
    assert stats["masi_alpha"] > stats["krippendorff_alpha"]
    # Six units coded twice or more: below the minimum of 40, no interval but a warning.
    assert stats["alpha_ci_low"] is None and stats["alpha_ci_high"] is None
    assert any("no interval below 40" in w for w in stats["warnings"])
    # Units 1, 5, 6 agree fully; unit 2 has 2 of 6 ordered pairs agreeing;
    # unit 3: the two empty sets agree (2 of 6); unit 4: none.
    assert stats["percent_agreement"] == pytest.approx((3 + 2 / 6 + 2 / 6) / 6)
    assert "masi_alpha" not in attribute_statistics(MULTI, kind="single", n_boot=10)


def test_binarize_and_per_option_statistics_consistent():
    table_a = binarize(MULTI, "a")
    assert table_a[1] == {"ann": True, "bob": True, "cy": True}
    assert table_a[3] == {"ann": False, "bob": False, "cy": False}
    assert table_a[5] == {"ann": True, "bob": True}  # missing coder stays missing
    assert table_a[7] == {"ann": True}

    per_option = option_statistics(MULTI, n_boot=100)
    whole_set = attribute_statistics(MULTI, kind="multi", n_boot=10)
    assert list(per_option) == ["a", "b", "c"]
    for option, stats in per_option.items():
        assert stats == attribute_statistics(binarize(MULTI, option), kind="boolean", n_boot=100)
        assert stats["units"] == units_compared(MULTI)
        # Agreeing on the whole set implies agreeing on each option.
        assert stats["percent_agreement"] >= whole_set["percent_agreement"]

    # Option "b": unit 4 is the only disagreement (ann vs bob, cy): 2 agreeing ordered pairs of 6.
    assert per_option["b"]["percent_agreement"] == pytest.approx((5 + 2 / 6) / 6)
    assert per_option["b"]["krippendorff_alpha"] == pytest.approx(
        naive_alpha(binarize(MULTI, "b"), nominal)
    )


def test_option_with_perfect_agreement_has_alpha_one():
    table = {
        1: {"a": frozenset({"x", "y"}), "b": frozenset({"x"})},
        2: {"a": frozenset(), "b": frozenset({"y"})},
        3: {"a": frozenset({"x"}), "b": frozenset({"x", "y"})},
    }
    stats = option_statistics(table, ["x", "y"], n_boot=50)
    assert stats["x"]["krippendorff_alpha"] == 1.0
    assert stats["x"]["percent_agreement"] == 1.0
    assert stats["y"]["percent_agreement"] == 0.0


def test_two_coder_attribute_statistics_fills_kappa():
    stats = attribute_statistics(wikipedia_kappa_table(), kind="boolean", n_boot=100)
    assert stats["coders"] == 2
    assert stats["cohen_kappa"] == pytest.approx(0.40)
    assert stats["gwet_ac1"] == pytest.approx((0.70 - 0.495) / (1 - 0.495))


def test_attribute_statistics_rejects_unknown_kind():
    with pytest.raises(ValueError):
        attribute_statistics(WORKED, kind="text")


def test_number_kind_defaults_to_interval_and_takes_other_levels():
    stats = attribute_statistics(WORKED, kind="number", n_boot=50)
    assert round(stats["krippendorff_alpha"], 3) == 0.849
    nominal_stats = attribute_statistics(WORKED, kind="number", level="nominal", n_boot=0)
    assert nominal_stats["krippendorff_alpha"] == pytest.approx(0.743421052631579)
    ratio_stats = attribute_statistics(WORKED, kind="number", level="ratio", n_boot=0)
    assert round(ratio_stats["krippendorff_alpha"], 3) == 0.797


def test_package_direct_call_agrees():
    # Sanity check against a direct call of the package on the published matrix.
    nan = np.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    direct = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha(WORKED) == pytest.approx(direct)


def test_vectorised_bootstrap_equals_the_package_per_resample():
    import numpy as np

    from coding.reliability.alpha import _bootstrap_alphas, _Prepared, masi_distance

    rng = np.random.default_rng(7)
    letters = ["a", "b", "c"]
    table = {
        unit: {
            coder: frozenset(o for o in letters if rng.random() < 0.5)
            for coder in range(3) if rng.random() < 0.85
        }
        for unit in range(40)
    }
    for distance in (None, masi_distance):
        prepared = _Prepared(table, "nominal", distance)
        draws = rng.integers(0, prepared.counts.shape[0], size=(50, prepared.counts.shape[0]))
        fast = _bootstrap_alphas(prepared.counts, prepared.delta2, draws)
        slow = [prepared.alpha_from_counts(prepared.counts[idx]) for idx in draws]
        assert np.allclose(fast, [a for a in slow if a is not None])


def test_masi_alpha_matches_nltk_annotation_task():
    # Reference: nltk 3.10 AnnotationTask(data, distance=masi_distance).alpha() on this
    # table (3 coders, missing values) printed 0.3523153942428031.
    table = {
        1: {"a": "xy", "b": "x", "c": "xy"},
        2: {"a": "z", "b": "z"},
        3: {"a": "xyz", "b": "yz", "c": "y"},
        4: {"a": "x", "b": "y", "c": "x"},
        5: {"a": "yz", "c": "yz"},
        6: {"a": "x", "b": "xz", "c": "z"},
    }
    sets = {u: {c: frozenset(v) for c, v in codes.items()} for u, codes in table.items()}
    assert krippendorff_alpha(sets, distance=masi_distance) == pytest.approx(0.3523153942428031)
