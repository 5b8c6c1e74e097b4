"""Krippendorff's alpha through the ``krippendorff`` package: the reference computation,
any distance (e.g. MASI for sets of options) and its bootstrap for such distances."""

from __future__ import annotations

from typing import Any

import krippendorff
import numpy as np

from coding.reliability.tables import (
    LEVELS,
    Distance,
    Table,
    coders_of,
    finite_or_none,
    sorted_values,
)

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
        self.coders = coders_of({i: c for i, c in enumerate(self.units)})
        self.categories = sorted_values(v for codes in self.units for v in codes.values())
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
    return finite_or_none(result)


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
