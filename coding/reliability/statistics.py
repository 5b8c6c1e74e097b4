"""Inter-coder reliability statistics (pure Python + numpy, no Django).

A *reliability table* is ``{unit_id: {coder_id: value}}``.  A value is a
hashable category (str, int, bool, ...) or, for multiple-choice attributes, a
``frozenset`` of option keys; ``frozenset()`` is a real value ("none chosen").
A coder missing from a unit's dict means "not coded" (missing value).  Unit and
coder ids may be any hashable.  Values are compared with ``==``/hash, so
``True``/``1`` and ``False``/``0`` are the same category (Python semantics).

Every statistic returns ``None`` when it is undefined; nothing returns NaN and
undefined data never raises.  Invalid *arguments* (unknown ``level``/``kind``,
only one of two coders given, ...) raise ``ValueError``.  Nothing is rounded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from typing import Any

from coding.reliability.alpha import (
    krippendorff_alpha,
    krippendorff_alpha_ci,
    masi_distance,
)
from coding.reliability.coefficients import kalpha_bootstrap, row_statistics
from coding.reliability.encoding import encode
from coding.reliability.tables import (
    KINDS,
    LEVELS,
    Table,
    binarize,
    both_coded,
    pairable_units,
    sorted_values,
    units_compared,
)

__all__ = [
    "LEVELS",
    "attribute_statistics",
    "binarize",
    "binary_indices",
    "conger_kappa",
    "default_level",
    "fleiss_kappa",
    "gwet_ac2",
    "cohen_kappa",
    "confusion_matrix",
    "gwet_ac1",
    "krippendorff_alpha",
    "krippendorff_alpha_ci",
    "krippendorff_alpha_kalpha",
    "masi_distance",
    "option_statistics",
    "percent_agreement",
    "units_compared",
]


# --------------------------------------------------------------------------- agreement


def percent_agreement(table: Table) -> float | None:
    """Observed agreement as Gwet (2014) and irrCAC define it.

    For every unit with ``r_u >= 2`` values, the share of agreeing ordered coder pairs
    ``sum_k r_uk (r_uk - 1) / (r_u (r_u - 1))``, averaged over those units. With two
    coders this is the share of co-coded units on which both agree. (Krippendorff's
    ``1 - D_o`` weights units by their number of values instead; for two coders
    without missing values the two are equal.) ``None`` when no unit has two values.
    """
    units = pairable_units(table)
    if not units:
        return None
    return sum(_agreeing_share(values) for values in units) / len(units)


def _agreeing_share(values: list[Any]) -> float:
    r = len(values)
    return sum(c * (c - 1) for c in Counter(values).values()) / (r * (r - 1))


def confusion_matrix(
    table: Table, coder_a: Hashable, coder_b: Hashable
) -> tuple[list[Any], list[list[int]]]:
    """Cross-tabulation over units coded by both coders.

    Returns ``(labels, matrix)``; ``matrix[i][j]`` counts units where
    ``coder_a`` chose ``labels[i]`` and ``coder_b`` chose ``labels[j]``.
    Labels are the values either coder used on the co-coded units, in a
    deterministic order (numbers, then strings, then sets by size).
    ``([], [])`` when the coders share no unit.
    """
    pairs = both_coded(table, coder_a, coder_b)
    labels = sorted_values([v for pair in pairs for v in pair])
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for a, b in pairs:
        matrix[index[a]][index[b]] += 1
    return labels, matrix


def cohen_kappa(table: Table, coder_a: Hashable, coder_b: Hashable) -> float | None:
    """Cohen's kappa for two coders over the units both coded.

    ``None`` when they share no unit, or when expected agreement is 1 (both
    coders used one and the same category throughout; observed agreement is
    then 1 too and kappa is 0/0).
    """
    pairs = both_coded(table, coder_a, coder_b)
    n = len(pairs)
    if n == 0:
        return None
    p_o = sum(a == b for a, b in pairs) / n
    count_a = Counter(a for a, _ in pairs)
    count_b = Counter(b for _, b in pairs)
    p_e = sum(count_a[k] * count_b.get(k, 0) for k in count_a) / (n * n)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1.0 - p_e)


def gwet_ac1(
    table: Table,
    coder_a: Hashable | None = None,
    coder_b: Hashable | None = None,
    *,
    n_categories: int | None = None,
) -> float | None:
    """Gwet's AC1, with the multi-rater formulas of Gwet (2014) as irrCAC's ``gwet.ac1.raw``.

    ``pa`` is :func:`percent_agreement` (units with at least two ratings);
    ``pi_k = mean_u(r_uk / r_u)`` over every unit with at least one rating, so a unit
    rated once still informs chance agreement; ``pe = sum_k pi_k (1 - pi_k) / (q - 1)``.
    With ``coder_a`` and ``coder_b`` the table is first narrowed to those two coders
    (the two-rater AC1; equal to Gwet 2008's formula when neither has missing values).

    ``q`` is the number of distinct categories in the data used, unless ``n_categories``
    (the size of the category scale, at least the observed number) is given. ``None``
    when no unit has two ratings or ``q < 2``.
    """
    if (coder_a is None) != (coder_b is None):
        raise ValueError("give both coder_a and coder_b, or neither")
    if coder_a is not None:
        table = {
            unit: {c: v for c, v in codes.items() if c in (coder_a, coder_b)}
            for unit, codes in table.items()
        }
    pa = percent_agreement(table)
    rated = [list(codes.values()) for codes in table.values() if codes]
    if pa is None:
        return None
    pi: Counter = Counter()
    for values in rated:
        for k, c in Counter(values).items():
            pi[k] += c / len(values)
    q = len(pi)
    if n_categories is not None:
        if n_categories < q:
            raise ValueError(f"n_categories={n_categories} < {q} observed categories")
        q = n_categories
    if q < 2:
        return None
    n = len(rated)
    pe = sum((s / n) * (1.0 - s / n) for s in pi.values()) / (q - 1)
    return (pa - pe) / (1.0 - pe)


# --------------------------------------------------------------------------- the engine's figures


def default_level(kind: str) -> str:
    """Level of measurement when the codebook names none: interval for numbers."""
    return "interval" if kind == "number" else "nominal"


def _engine(table: Table, *, level: str = "nominal", categories=None, binary=False, **kwargs):
    numeric = level in ("interval", "ratio") or (
        level == "ordinal" and categories is None
    )
    coded, _ = encode(table, categories=categories, numeric=numeric)
    return row_statistics(coded, level=level, binary=binary, **kwargs)


def krippendorff_alpha_kalpha(
    table: Table, *, level: str = "nominal", categories=None, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Alpha with Krippendorff's own bootstrap (KALPHA; Hayes & Krippendorff 2007) of a
    reliability table: see coefficients.kalpha_bootstrap. The page's intervals are the BCa
    bootstrap over cases instead (README, "Intervals")."""
    numeric = level in ("interval", "ratio") or (level == "ordinal" and categories is None)
    coded, _ = encode(table, categories=categories, numeric=numeric)
    return kalpha_bootstrap(coded, level=level, n_boot=n_boot, seed=seed)


def fleiss_kappa(table: Table) -> float | None:
    """Fleiss' kappa (Fleiss 1971), any number of coders; with missing values as irrCAC's
    ``fleiss.kappa.raw`` (Gwet 2014): percent agreement over units with two or more values,
    chance agreement from the category shares of every rated unit."""
    return _engine(table, n_boot=0)["fleiss_kappa"]


def conger_kappa(table: Table) -> float | None:
    """Conger's kappa (Conger 1980), the multi-coder generalisation of Cohen's kappa, as
    irrCAC's ``conger.kappa.raw``; equal to Cohen's kappa for two coders without missing
    values."""
    return _engine(table, n_boot=0)["conger_kappa"]


def gwet_ac2(table: Table, *, level: str, categories=None) -> float | None:
    """Gwet's AC2 with irrCAC's ordinal weights (``level="ordinal"``; ``categories`` in
    scale order, else numeric order), quadratic weights ("interval") or ratio weights
    ("ratio") over the category scale."""
    if level == "nominal":
        raise ValueError("AC2 needs an ordinal, interval or ratio level (AC1 is nominal)")
    return _engine(table, level=level, categories=categories, n_boot=0)["gwet_ac2"]


def binary_indices(table: Table) -> dict[str, float | None]:
    """PABAK, prevalence index and bias index (Byrt, Bishop & Carlin 1993) of a yes/no table.

    PABAK = 2 p_o - 1 (any number of coders, p_o = percent agreement). With two coders and
    a = both yes, d = both no, b and c the two disagreements over n units both coded:
    prevalence index (a - d) / n, bias index |b - c| / n (None with other numbers of coders).
    """
    observed = {v for codes in table.values() for v in codes.values()}
    categories = [False, True] if observed <= {False, True} else None
    stats = _engine(table, categories=categories, binary=True, n_boot=0)
    return {key: stats[key] for key in ("pabak", "prevalence_index", "bias_index")}


def attribute_statistics(
    table: Table,
    *,
    kind: str,
    level: str | None = None,
    categories: list | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """All reliability figures for one attribute (see coefficients.row_statistics).

    ``kind`` is "single", "multi", "number" or "boolean"; ``level`` defaults by kind
    (:func:`default_level`); ``categories`` is the codebook's scale (a single-choice
    attribute's options in order), over which AC1's chance agreement is computed and whose
    order is the ordinal scale. Yes/no attributes use the scale (no, yes) and add PABAK and
    the prevalence and bias indices. For "multi" each distinct set is one category (the
    scale is the sets observed), and ``masi_alpha`` gives alpha with :func:`masi_distance`.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    level = level or default_level(kind)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    binary = kind == "boolean"
    observed = {v for codes in table.values() for v in codes.values()}
    if binary and observed <= {False, True}:
        categories = [False, True]  # "yes" is the second category: PI counts both-yes first
    stats = _engine(
        table, level=level, categories=categories, binary=binary, n_boot=n_boot, seed=seed
    )
    if kind == "multi":
        stats["masi_alpha"] = krippendorff_alpha(table, distance=masi_distance)
    return stats


def option_statistics(
    table: Table, options: Iterable[Hashable] | None = None, *, n_boot: int = 1000, seed: int = 0
) -> dict[Hashable, dict[str, Any]]:
    """Per-option ``attribute_statistics(binarize(table, option), kind="boolean")``.

    ``options`` defaults to every option chosen anywhere in the (set-valued) table.
    """
    if options is None:
        options = sorted_values(
            o for codes in table.values() for value in codes.values() for o in value
        )
    return {
        option: attribute_statistics(
            binarize(table, option), kind="boolean", n_boot=n_boot, seed=seed
        )
        for option in options
    }
