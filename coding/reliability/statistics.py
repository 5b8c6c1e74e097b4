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

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

import krippendorff
import numpy as np

__all__ = [
    "attribute_statistics",
    "binarize",
    "cohen_kappa",
    "confusion_matrix",
    "gwet_ac1",
    "krippendorff_alpha",
    "krippendorff_alpha_ci",
    "masi_distance",
    "option_statistics",
    "percent_agreement",
    "units_compared",
]

Table = Mapping[Hashable, Mapping[Hashable, Hashable]]
Distance = Callable[[Any, Any], float]

LEVELS = ("nominal", "ordinal", "interval", "ratio")
KINDS = ("single", "multi", "number", "boolean")


# --------------------------------------------------------------------------- helpers


def _sort_key(value: Any) -> tuple:
    """Deterministic total order for mixed category values (labels, codes)."""
    if isinstance(value, (frozenset, set)):
        return (1, len(value), sorted(_sort_key(v) for v in value))
    if isinstance(value, (bool, int, float)):
        return (0, 0, value)
    if isinstance(value, str):
        return (0, 1, value)
    return (2, type(value).__name__, repr(value))


def _sorted_values(values: Iterable[Any]) -> list[Any]:
    return sorted(set(values), key=_sort_key)


def _pairable_units(table: Table) -> list[list[Any]]:
    """Values of every unit that has at least two (pairable) values."""
    return [list(codes.values()) for codes in table.values() if len(codes) >= 2]


def _coders(table: Table) -> list[Hashable]:
    seen: dict[Hashable, None] = {}
    for codes in table.values():
        for coder in codes:
            seen.setdefault(coder, None)
    return list(seen)


def _both_coded(table: Table, coder_a: Hashable, coder_b: Hashable) -> list[tuple[Any, Any]]:
    return [
        (codes[coder_a], codes[coder_b])
        for codes in table.values()
        if coder_a in codes and coder_b in codes
    ]


def _finite_or_none(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- simple counts


def units_compared(table: Table) -> int:
    """Number of units with at least two values (units that enter agreement)."""
    return len(_pairable_units(table))


def binarize(table: Table, option: Hashable) -> dict[Hashable, dict[Hashable, bool]]:
    """Per-option table: ``option in value`` for every coded value.

    Set-like values (frozenset/set/list/tuple) are tested for membership, any
    other value for equality with ``option``.  Missing values stay missing.
    """
    out: dict[Hashable, dict[Hashable, bool]] = {}
    for unit, codes in table.items():
        row: dict[Hashable, bool] = {}
        for coder, value in codes.items():
            if isinstance(value, (frozenset, set, list, tuple)):
                row[coder] = option in value
            else:
                row[coder] = value == option
        out[unit] = row
    return out


# --------------------------------------------------------------------------- agreement


def percent_agreement(table: Table) -> float | None:
    """Observed agreement as Gwet (2014) and irrCAC define it.

    For every unit with ``r_u >= 2`` values, the share of agreeing ordered coder pairs
    ``sum_k r_uk (r_uk - 1) / (r_u (r_u - 1))``, averaged over those units. With two
    coders this is the share of co-coded units on which both agree. (Krippendorff's
    ``1 - D_o`` weights units by their number of values instead; for two coders
    without missing values the two are equal.) ``None`` when no unit has two values.
    """
    units = _pairable_units(table)
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
    pairs = _both_coded(table, coder_a, coder_b)
    labels = _sorted_values([v for pair in pairs for v in pair])
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
    pairs = _both_coded(table, coder_a, coder_b)
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


# --------------------------------------------------------------------------- Krippendorff's alpha


def masi_distance(a: frozenset, b: frozenset) -> float:
    """MASI distance (Passonneau 2006), as ``nltk.metrics.distance.masi_distance``.

    ``1 - |a & b| / |a | b| * m`` with ``m`` = 1 (equal), 2/3 (one is a subset
    of the other), 1/3 (they intersect), 0 (disjoint), as in NLTK 3.9+ and the paper
    (NLTK before 3.9 rounded to 0.67 and 0.33).  Two empty sets: 0 (NLTK would divide
    by zero).
    """
    a, b = frozenset(a), frozenset(b)
    len_union = len(a | b)
    if len_union == 0:
        return 0.0
    len_intersection = len(a & b)
    if len(a) == len(b) == len_intersection:
        m = 1.0
    elif len_intersection == min(len(a), len(b)):
        m = 2 / 3
    elif len_intersection > 0:
        m = 1 / 3
    else:
        m = 0.0
    return 1.0 - len_intersection / len_union * m


class _Prepared:
    """Reliability data encoded for the ``krippendorff`` package."""

    def __init__(self, table: Table, level: str, distance: Distance | None) -> None:
        if distance is None and level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS} or a distance given, not {level!r}")
        self.units = [codes for codes in table.values() if len(codes) >= 2]
        self.coders = _coders({i: c for i, c in enumerate(self.units)})
        self.categories = _sorted_values(v for codes in self.units for v in codes.values())
        code_of = {v: i for i, v in enumerate(self.categories)}

        if distance is not None:
            # Integer codes; the metric looks distances up in a precomputed matrix.
            self.domain = np.arange(len(self.categories), dtype=float)
            dmat = np.array(
                [[float(distance(x, y)) for y in self.categories] for x in self.categories]
            ).reshape(len(self.categories), len(self.categories))

            def metric(v1, v2, i1, i2, n_v, dtype=np.float64):  # noqa: ARG001
                return dmat[v1.astype(int), v2.astype(int)].astype(dtype)

            self.level: Any = metric
            encode = code_of.__getitem__
        elif level == "nominal":
            self.domain = np.arange(len(self.categories), dtype=float)
            self.level = "nominal"
            encode = code_of.__getitem__
        else:
            # Ordinal/interval/ratio distances need the numbers themselves.
            bad = [v for v in self.categories if not isinstance(v, (bool, int, float))]
            if bad:
                raise ValueError(f"level {level!r} needs numeric values, got {bad[0]!r}")
            self.domain = np.array(self.categories, dtype=float)
            self.level = level

            def encode(v):
                return float(v)

        self.data = np.full((len(self.coders), len(self.units)), np.nan)
        row = {c: i for i, c in enumerate(self.coders)}
        for j, codes in enumerate(self.units):
            for coder, value in codes.items():
                self.data[row[coder], j] = encode(value)
        # Per-unit value counts (units x values) for fast bootstrap resampling.
        self.counts = (self.data.T[..., None] == self.domain[None, None, :]).sum(axis=1)

    @property
    def delta2(self) -> np.ndarray | None:
        """The squared-distance matrix the package uses, where it does not depend on the data."""
        k = len(self.domain)
        if self.level == "nominal":
            return 1.0 - np.eye(k)
        if callable(self.level):
            codes = np.arange(k, dtype=float)
            return self.level(codes[:, None], codes[None, :], None, None, None)
        if self.level == "interval":
            return (self.domain[:, None] - self.domain[None, :]) ** 2
        return None

    @property
    def defined(self) -> bool:
        return len(self.units) > 0 and len(self.categories) >= 2

    def alpha(self) -> float | None:
        if not self.defined:
            return None
        return _safe_alpha(reliability_data=self.data, level_of_measurement=self.level)

    def alpha_from_counts(self, counts: np.ndarray) -> float | None:
        return _safe_alpha(
            value_counts=counts, value_domain=self.domain, level_of_measurement=self.level
        )


def _safe_alpha(**kwargs: Any) -> float | None:
    try:
        with np.errstate(all="ignore"):
            result = krippendorff.alpha(**kwargs)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return None
    return _finite_or_none(result)


def krippendorff_alpha(
    table: Table, level: str = "nominal", distance: Distance | None = None
) -> float | None:
    """Krippendorff's alpha via the ``krippendorff`` package.

    ``level`` is "nominal" (any hashable values), or "ordinal"/"interval"/"ratio"
    (numeric values).  ``distance(x, y) -> float`` over the original values
    (e.g. :func:`masi_distance` for frozensets) overrides ``level``.  ``None``
    when undefined: no unit with two values, or fewer than two distinct values.
    """
    return _Prepared(table, level, distance).alpha()


def _bootstrap_alphas(counts: np.ndarray, delta2: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Alpha of every resample at once, from per-unit coincidence contributions.

    alpha = 1 - (n - 1) * sum(o_ck d2_ck) / sum(n_c n_k d2_ck) (Krippendorff 2011), with the
    coincidences o and marginals n_c summed over the resampled units. Equal to calling the
    package per resample (tested), about a hundred times faster.
    """
    n_units = counts.shape[0]
    m = counts.sum(axis=1)
    coincidences = (counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(
        counts.shape[1]
    )[None]) / (m - 1)[:, None, None]
    observed = (coincidences * delta2[None]).sum(axis=(1, 2))
    n_boot = draws.shape[0]
    offsets = draws + (np.arange(n_boot) * n_units)[:, None]
    weights = np.bincount(offsets.ravel(), minlength=n_boot * n_units).reshape(n_boot, n_units)
    marginals = weights @ counts
    n = marginals.sum(axis=1)
    expected = np.einsum("bc,bk,ck->b", marginals, marginals, delta2)
    with np.errstate(all="ignore"):
        alphas = 1.0 - (n - 1.0) * (weights @ observed) / expected
    return alphas[(expected > 0) & np.isfinite(alphas)]


def krippendorff_alpha_ci(
    table: Table,
    *,
    level: str = "nominal",
    distance: Distance | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap CI for alpha, resampling units with replacement.

    Only pairable units (>= 2 values) are resampled; each resample's alpha is
    computed by the ``krippendorff`` package.  Resamples where alpha is
    undefined (e.g. only one value drawn) are discarded.  Deterministic for a
    given ``seed``.  ``(None, None)`` when alpha itself is undefined.
    """
    prepared = _Prepared(table, level, distance)
    if prepared.alpha() is None or n_boot < 1:
        return None, None
    counts = prepared.counts
    n_units = counts.shape[0]
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_units, size=(n_boot, n_units))
    if prepared.delta2 is not None:
        finite = _bootstrap_alphas(counts, prepared.delta2, draws)
    else:
        # Ordinal distances depend on each resample's marginals: ask the package each time.
        alphas = [prepared.alpha_from_counts(counts[idx]) for idx in draws]
        finite = np.array([a for a in alphas if a is not None])
    if finite.size == 0:
        return None, None
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


# --------------------------------------------------------------------------- convenience


def attribute_statistics(
    table: Table, *, kind: str, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """All reliability figures for one attribute.

    ``kind`` is "single", "multi", "number" or "boolean".  Every kind is
    treated as nominal (numbers too: agreement means identical values); for
    "multi" each distinct set is one category, and ``masi_alpha`` additionally
    gives alpha with :func:`masi_distance`.  ``cohen_kappa`` is only filled
    when the table has exactly two coders; ``gwet_ac1`` is the multi-rater form
    (identical to the two-rater form for two coders).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    coders = _coders(table)
    low, high = krippendorff_alpha_ci(table, n_boot=n_boot, seed=seed)
    stats: dict[str, Any] = {
        "units": units_compared(table),
        "coders": len(coders),
        "percent_agreement": percent_agreement(table),
        "cohen_kappa": cohen_kappa(table, *coders) if len(coders) == 2 else None,
        "krippendorff_alpha": krippendorff_alpha(table),
        "alpha_ci_low": low,
        "alpha_ci_high": high,
        "gwet_ac1": gwet_ac1(table),
    }
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
        options = _sorted_values(
            o for codes in table.values() for value in codes.values() for o in value
        )
    return {
        option: attribute_statistics(
            binarize(table, option), kind="boolean", n_boot=n_boot, seed=seed
        )
        for option in options
    }
