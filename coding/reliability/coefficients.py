"""Every reliability coefficient of one attribute (or option) row, vectorised with numpy.

The data are a units x coders matrix of category indices (-1 = not coded). Units with the
same row ("patterns") are counted once, so every coefficient is a function of the pattern
counts; the point estimate uses the observed counts, and the bootstrap draws the counts of
`n_boot` resamples at once: resampling units with replacement gives pattern counts that are
multinomial over the observed patterns (the same distribution, without materialising the
draws). Every coefficient of one row is computed on the same resamples.

Formulas follow Gwet (2014) as irrCAC implements them (percent agreement, AC1/AC2, Fleiss'
and Conger's kappa with missing values) and Krippendorff (2011) for alpha; see the README.
"""

from __future__ import annotations

import functools
from statistics import NormalDist
from typing import Any

import numpy as np

from coding.reliability.encoding import Coded

LEVELS = ("nominal", "ordinal", "interval", "ratio")
MIN_UNITS_FOR_INTERVAL = 40  # and MIN_MINORITY_VALUES: see there
_DENSE_LIMIT = 50_000  # cells of a patterns x categories matrix kept dense
_JACKKNIFE_PATTERNS = 2000  # distinct case patterns up to which BCa's jackknife is computed
_CHUNK = 100  # resamples per block where a block needs patterns x resamples memory
# Resamples x units up to which a row's unit draws are kept for the next row of as many
# units (4 MB each; _unit_multiplicities keeps four).
_CACHED_DRAWS = 1_000_000


def _ordinal_weights(q: int) -> np.ndarray:
    idx = np.arange(q)
    n = np.abs(idx[:, None] - idx[None, :]) + 1
    w = n * (n - 1) / 2.0
    return 1.0 - w / w.max() if w.max() > 0 else np.ones((q, q))


def _distance_weights(values: np.ndarray, level: str) -> np.ndarray:
    """irrCAC's quadratic (interval) or ratio weights over the categories' values."""
    v = values.astype(float)
    if level == "interval":
        d = (v[:, None] - v[None, :]) ** 2
    else:
        with np.errstate(all="ignore"):
            d = ((v[:, None] - v[None, :]) / (v[:, None] + v[None, :])) ** 2
        d = np.nan_to_num(d)
    top = d.max()
    return 1.0 - d / top if top > 0 else np.ones_like(d)


def _alpha_delta(level: str, values: np.ndarray | None, a: np.ndarray, b: np.ndarray):
    """Data-independent squared distance of category indices a and b (nominal/interval/ratio)."""
    if level == "nominal":
        return (a != b).astype(float)
    x, y = values[a].astype(float), values[b].astype(float)
    if level == "interval":
        return (x - y) ** 2
    with np.errstate(all="ignore"):
        d = ((x - y) / (x + y)) ** 2
    return np.nan_to_num(d)


def _unique_rows(codes: np.ndarray, q: int):
    """Distinct rows, their counts and each unit's row index; rows as one integer key when
    they fit in 63 bits (much faster than np.unique(axis=0))."""
    if codes.shape[0] == 0:
        return codes, np.zeros(0), np.zeros(0, dtype=np.int64)
    base = q + 1
    if codes.shape[1] * np.log2(base) < 62:
        key = np.zeros(codes.shape[0], dtype=np.int64)
        for g in range(codes.shape[1]):
            key = key * base + (codes[:, g] + 1)
        _, first, inverse, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        return codes[first], counts, inverse.ravel()
    # Wider rows (many coders, many categories: drift's blocks pool every attribute's
    # categories): one integer key per group of columns that fits, sorted together. The
    # keys' order is the rows' lexicographic order, as np.unique(axis=0) sorts them, so the
    # same rows, counts and inverse, in a fraction of its time and memory.
    per_key = max(1, int(62 // np.log2(base)))
    keys = []
    for first in range(0, codes.shape[1], per_key):
        key = np.zeros(codes.shape[0], dtype=np.int64)
        for g in range(first, min(first + per_key, codes.shape[1])):
            key = key * base + (codes[:, g] + 1)
        keys.append(key)
    order = np.lexsort(keys[::-1])  # the last key given is the primary one
    new = np.zeros(len(order), dtype=bool)
    new[0] = True
    for key in keys:
        ordered = key[order]
        new[1:] |= ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, len(order)))
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return codes[order[starts]], counts, inverse


def _resample_counts(pat: _Patterns, n_boot: int, seed: int) -> np.ndarray:
    """Pattern counts of `n_boot` resamples of the rated units, drawn with replacement.

    Few patterns (relative to units): multinomial draws of the pattern counts; otherwise
    draw the units themselves. Both give the distribution of resampling units with
    replacement; the first costs one binomial per pattern and resample, the second one draw
    per unit and resample.
    """
    n, n_pat = pat.units_rated, len(pat.freq)
    rng = np.random.default_rng(seed)
    if n_pat <= 64 or n_pat * 8 <= n:
        probs = pat.freq / pat.freq.sum()
        return rng.multinomial(n, probs, size=n_boot).astype(float)
    if n_boot * n <= _CACHED_DRAWS:
        # A pattern's counts are the sums of its units' multiplicities: whole numbers, summed
        # exactly in any order, so the same counts as from the draws themselves.
        # (In single precision, exact up to 2**24: the multiplicities are at most n.)
        one_hot = np.zeros((n_pat, n), dtype=np.float32)
        one_hot[pat.unit_pattern, np.arange(n)] = 1.0
        return (one_hot @ _unit_multiplicities(n, n_boot, seed)).astype(float).T
    out = np.zeros((n_boot, n_pat))
    for start, units in _unit_draws(n, n_boot, rng):
        b = len(units)
        idx = (pat.unit_pattern[units] + (np.arange(b) * n_pat)[:, None]).ravel()
        out[start:start + b] = np.bincount(idx, minlength=b * n_pat).reshape(b, n_pat)
    return out


def _unit_draws(n: int, n_boot: int, rng: np.random.Generator):
    """(first resample, the units drawn: resamples x n) per _CHUNK resamples."""
    for start in range(0, n_boot, _CHUNK):
        yield start, rng.integers(0, n, size=(min(_CHUNK, n_boot - start), n), dtype=np.int32)


@functools.lru_cache(maxsize=4)
def _unit_multiplicities(n: int, n_boot: int, seed: int) -> np.ndarray:
    """How many times each of n units is drawn in each resample (units x resamples), from
    the same draws as _resample_counts' per chunk. Kept for the next row of as many units:
    drift's blocks of one window size mostly have the same number, and the draws were most
    of a block's interval."""
    out = np.zeros((n_boot, n), dtype=np.float32)
    for start, units in _unit_draws(n, n_boot, np.random.default_rng(seed)):
        b = len(units)
        idx = (units + (np.arange(b) * n)[:, None]).ravel()
        out[start:start + b] = np.bincount(idx, minlength=b * n).reshape(b, n)
    out = np.ascontiguousarray(out.T)
    out.flags.writeable = False
    return out


class _Patterns:
    def __init__(self, coded: Coded) -> None:
        codes = coded.codes
        rated = (codes >= 0).sum(axis=1) >= 1
        codes = codes[rated]
        codes = codes[:, (codes >= 0).any(axis=0)]  # coders who coded none of these units
        self.units_rated = int(codes.shape[0])
        patterns, freq, self.unit_pattern = _unique_rows(codes, coded.q)
        self._fill(patterns, freq, coded)

    def _fill(self, patterns: np.ndarray, freq: np.ndarray, coded: Coded) -> None:
        self.codes, self.freq = patterns, freq.astype(float)
        codes = patterns
        self.q = coded.q
        self.values = coded.values
        self.n_coders = codes.shape[1]
        present = self.codes >= 0
        self.r = present.sum(axis=1).astype(float)
        self.pairable = (self.r >= 2).astype(float)
        self.units = int((self.freq * self.pairable).sum())
        # Sparse (pattern, category, coder) entries of every rating.
        p_idx, g_idx = np.nonzero(present)
        self.p_idx, self.g_idx = p_idx, g_idx
        self.c_idx = self.codes[p_idx, g_idx]
        self.coders_present = [g for g in range(self.n_coders) if present[:, g].any()]

    def pair_sums(self, weight) -> np.ndarray:
        """Per pattern: sum over ordered pairs of different coders of weight(c_i, c_j)."""
        total = np.zeros(len(self.codes))
        for g in range(self.n_coders):
            for h in range(g + 1, self.n_coders):
                a, b = self.codes[:, g], self.codes[:, h]
                both = (a >= 0) & (b >= 0)
                if both.any():
                    total[both] += 2.0 * weight(a[both], b[both])
        return total

    def aggregate(self, res: _Resamples, rows: np.ndarray, vals) -> np.ndarray:
        """resamples x categories: sum over rating entries i of counts[:, rows[i]] * vals[i],
        in the column of the entry's category."""
        return _aggregate(res, rows, self.c_idx, vals, len(self.codes), self.q)


def _aggregate(res: _Resamples, rows, cols, vals, n_pat: int, q: int) -> np.ndarray:
    counts = res.m
    vals = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
    if n_pat * q <= _DENSE_LIMIT:
        # Only the categories the entries use: a block of drift pools every attribute's
        # categories (q in the hundreds) but uses few of them, and the product's other
        # columns are zeros.
        used, column = np.unique(cols, return_inverse=True)
        # bincount adds the entries in order, as np.add.at does (the same sums to the bit),
        # without its per-entry overhead.
        dense = np.bincount(rows * len(used) + column, weights=vals,
                            minlength=n_pat * len(used)).reshape(n_pat, len(used))
        if len(used) == q:
            return counts @ dense
        out = np.zeros((counts.shape[0], q))
        out[:, used] = counts @ dense
        return out
    # Sparse: gather the entries' pattern counts, sum them per category (sorted runs).
    out = np.zeros((counts.shape[0], q))
    if rows.size == 0:
        return out
    order = np.argsort(cols, kind="stable")
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    counts_t = res.t
    for start in range(0, counts.shape[0], _CHUNK):
        block = counts_t[:, start:start + _CHUNK]
        out[start:start + block.shape[1], cols[starts]] = np.add.reduceat(
            block[rows] * vals[:, None], starts, axis=0
        ).T
    return out


class _Resamples:
    """Pattern counts of the resamples (resamples x patterns) and, built once when needed,
    their transpose in C order (the sparse aggregation gathers its rows)."""

    def __init__(self, counts: np.ndarray) -> None:
        self.m = counts
        self._t: np.ndarray | None = None

    @property
    def t(self) -> np.ndarray:
        if self._t is None:
            self._t = np.ascontiguousarray(self.m.T)
        return self._t


def _ratio(num, den):
    with np.errstate(all="ignore"):
        out = num / den
    return np.where(np.isfinite(out), out, np.nan)


def _chance_corrected(pa, pe):
    with np.errstate(all="ignore"):
        out = (pa - pe) / (1.0 - pe)
    # pe == 1: undefined (0/0); a numerically-1 pe gives huge values: treat alike.
    return np.where(np.isfinite(out) & (pe < 1.0 - 1e-12), out, np.nan)


def _anonymous(coded: Coded) -> Coded:
    """Each case's values sorted into the first columns: coder identity dropped."""
    codes = -np.sort(-coded.codes, axis=1)  # descending: missing (-1) last
    codes = codes[:, (codes >= 0).any(axis=0)]
    return Coded(codes=codes, q=coded.q, values=coded.values)


def _coefficients(
    pat: _Patterns, counts: np.ndarray, level: str, binary: bool, identity: bool = True,
    keys=None,
) -> dict:
    """Every coefficient for each row of `counts` (resamples x patterns). Without
    `identity` (columns are not coders) Conger's kappa is left out (NaN). With `keys`, only
    those coefficients (and percent agreement) are computed, each exactly as without: the
    others are NaN (a bootstrap needs only the coefficients that get an interval)."""
    def wanted(*names: str) -> bool:
        return keys is None or any(name in keys for name in names)

    res = _Resamples(counts)
    q = pat.q
    r = pat.r
    pairable = pat.pairable
    n_pair = counts @ pairable
    ratings_r = r[pat.p_idx]
    out: dict[str, np.ndarray] = {}

    # Percent agreement (Gwet 2014): agreeing ordered pairs / r(r-1), mean over pairable units.
    with np.errstate(all="ignore"):
        agree = np.where(pairable > 0, pat.pair_sums(lambda a, b: (a == b).astype(float))
                         / (r * (r - 1)), 0.0)
    pa = _ratio(counts @ agree, n_pair)
    out["percent_agreement"] = pa
    nothing = np.full(len(pa), np.nan)
    for key in ("gwet_ac1", "fleiss_kappa", "gwet_ac2", "conger_kappa", "cohen_kappa",
                "krippendorff_alpha"):
        out[key] = nothing
    if binary:
        out["pabak"] = 2.0 * pa - 1.0
        out["prevalence_index"] = out["bias_index"] = nothing
    if wanted("gwet_ac1", "fleiss_kappa", "gwet_ac2"):
        _chance_agreements(out, pat, res, counts, level, q, r, pairable, n_pair, ratings_r, pa)
    if wanted("conger_kappa"):
        _conger(out, pat, res, pa, identity)
    if wanted("cohen_kappa", "prevalence_index", "bias_index"):
        _cohen(out, pat, res, counts, binary)
    if wanted("krippendorff_alpha"):
        out["krippendorff_alpha"] = _alpha(pat, res, level)
    return out


def _chance_agreements(out, pat, res, counts, level, q, r, pairable, n_pair, ratings_r, pa):
    # Classification probabilities pi_k = mean over rated units of r_uk / r_u.
    pi = _ratio(pat.aggregate(res, pat.p_idx, 1.0 / ratings_r), (counts.sum(axis=1))[:, None])
    pi_var = (pi * (1.0 - pi)).sum(axis=1)
    out["gwet_ac1"] = (
        _chance_corrected(pa, pi_var / (q - 1)) if q >= 2 else np.full(len(pa), np.nan)
    )
    out["fleiss_kappa"] = _chance_corrected(pa, (pi ** 2).sum(axis=1))
    out["gwet_ac2"] = np.full(len(pa), np.nan)
    if level != "nominal" and q >= 2:
        weights = (
            _ordinal_weights(q) if level == "ordinal" else _distance_weights(pat.values, level)
        )
        with np.errstate(all="ignore"):
            agree_w = np.where(pairable > 0, pat.pair_sums(lambda a, b: weights[a, b])
                               / (r * (r - 1)), 0.0)
        pa_w = _ratio(counts @ agree_w, n_pair)
        pe_w = weights.sum() / (q * (q - 1)) * pi_var
        out["gwet_ac2"] = _chance_corrected(pa_w, pe_w)


def _conger(out, pat, res, pa, identity):
    # Conger's kappa (Conger 1980, as irrCAC): per-coder category shares.
    coders = pat.coders_present if identity else []
    shares = []
    for g in coders:
        mask = pat.g_idx == g
        sub = _Sub(pat, mask)
        n_gk = sub.aggregate(res)
        shares.append(_ratio(n_gk, n_gk.sum(axis=1)[:, None]))
    if len(coders) >= 2:
        p = np.stack(shares, axis=1)  # resamples x coders x categories
        n_r = np.sum(~np.isnan(p[:, :, 0]), axis=1).astype(float)
        with np.errstate(all="ignore"):
            p_mean = np.nanmean(p, axis=1)
            s2 = (np.nansum(p ** 2, axis=1) - n_r[:, None] * p_mean ** 2) / (n_r - 1)[:, None]
            pe_c = (p_mean ** 2 - s2 / n_r[:, None]).sum(axis=1)
        out["conger_kappa"] = _chance_corrected(pa, pe_c)
    else:
        out["conger_kappa"] = np.full(len(pa), np.nan)


def _cohen(out, pat, res, counts, binary):
    # Cohen's kappa: exactly two coders, over the units both coded.
    if pat.n_coders == 2:
        both = (pat.codes[:, 0] >= 0) & (pat.codes[:, 1] >= 0)
        n_both = counts @ both.astype(float)
        p_o = _ratio(counts @ (both & (pat.codes[:, 0] == pat.codes[:, 1])).astype(float), n_both)
        m = [
            _Sub(pat, (pat.g_idx == g) & both[pat.p_idx]).aggregate(res) for g in (0, 1)
        ]
        p_e = _ratio((m[0] * m[1]).sum(axis=1), n_both ** 2)
        out["cohen_kappa"] = _chance_corrected(p_o, p_e)
        if binary:
            # Byrt, Bishop & Carlin (1993): category index 1 = chosen / yes.
            a_ = counts @ (both & (pat.codes[:, 0] == 1) & (pat.codes[:, 1] == 1)).astype(float)
            d_ = counts @ (both & (pat.codes[:, 0] == 0) & (pat.codes[:, 1] == 0)).astype(float)
            b_ = counts @ (both & (pat.codes[:, 0] == 1) & (pat.codes[:, 1] == 0)).astype(float)
            c_ = counts @ (both & (pat.codes[:, 0] == 0) & (pat.codes[:, 1] == 1)).astype(float)
            out["prevalence_index"] = _ratio(a_ - d_, n_both)
            out["bias_index"] = _ratio(np.abs(b_ - c_), n_both)


class _Sub:
    """A subset of the rating entries (e.g. one coder's), aggregated per category."""

    def __init__(self, pat: _Patterns, mask: np.ndarray) -> None:
        self.pat, self.rows, self.cols = pat, pat.p_idx[mask], pat.c_idx[mask]

    def aggregate(self, res: _Resamples) -> np.ndarray:
        return _aggregate(res, self.rows, self.cols, 1.0, len(self.pat.codes), self.pat.q)


def _alpha(pat: _Patterns, res: _Resamples, level: str) -> np.ndarray:
    """Krippendorff's alpha = 1 - (n - 1) * sum(o_ck d_ck) / sum(n_c n_k d_ck)."""
    counts = res.m
    r = pat.r
    pair_entry = pat.pairable[pat.p_idx] > 0
    rows, cols = pat.p_idx[pair_entry], pat.c_idx[pair_entry]
    n_b = counts @ (pat.pairable * r)
    if level == "ordinal":
        q = pat.q
        n_pk = np.zeros((len(pat.codes), q))
        np.add.at(n_pk, (rows, cols), 1.0)
        with np.errstate(all="ignore"):
            o_p = (n_pk[:, :, None] * n_pk[:, None, :]
                   - n_pk[:, :, None] * np.eye(q)[None]) / np.where(r > 1, r - 1, 1)[:, None, None]
        o_p *= pat.pairable[:, None, None]
        marg = counts @ n_pk  # resamples x q
        # Krippendorff's ordinal metric: (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, c <= k.
        cs = np.cumsum(marg, axis=1)
        lo = np.minimum.outer(np.arange(q), np.arange(q))
        hi = np.maximum.outer(np.arange(q), np.arange(q))
        between = cs[:, hi] - cs[:, lo] + marg[:, lo]
        delta = (between - (marg[:, :, None] + marg[:, None, :]) / 2.0) ** 2
        observed = ((counts @ o_p.reshape(len(pat.codes), q * q)).reshape(-1, q, q)
                    * delta).sum(axis=(1, 2))
        expected = np.einsum("bc,bk,bck->b", marg, marg, delta, optimize=True)
    else:
        with np.errstate(all="ignore"):
            obs_p = pat.pair_sums(lambda a, b: _alpha_delta(level, pat.values, a, b)) / np.where(
                r > 1, r - 1, 1)
        obs_p *= pat.pairable
        observed = counts @ obs_p
        if level == "interval":
            v = pat.values.astype(float)[cols]
            x1 = np.zeros(len(pat.codes))
            x2 = np.zeros(len(pat.codes))
            np.add.at(x1, rows, v)
            np.add.at(x2, rows, v ** 2)
            s1, s2 = counts @ x1, counts @ x2
            expected = 2.0 * n_b * s2 - 2.0 * s1 ** 2
        else:
            m = _Sub(pat, pair_entry).aggregate(res)
            if level == "nominal":
                expected = n_b ** 2 - (m ** 2).sum(axis=1)
            else:
                idx = np.arange(pat.q)
                delta = _alpha_delta("ratio", pat.values, idx[:, None], idx[None, :])
                expected = np.einsum("bc,ck,bk->b", m, delta, m, optimize=True)
    with np.errstate(all="ignore"):
        alpha = 1.0 - (n_b - 1.0) * observed / expected
    return np.where((expected > 1e-12) & np.isfinite(alpha), alpha, np.nan)


# Coefficients of the values alone, not of who gave them (Conger's and Cohen's kappa and the
# prevalence and bias indices compare coders).
_IDENTITY_FREE = frozenset(("percent_agreement", "krippendorff_alpha", "fleiss_kappa",
                            "gwet_ac1", "gwet_ac2"))
# Coefficients that get a bootstrap interval, and the prefix of their interval keys.
INTERVAL_KEYS = {
    "krippendorff_alpha": "alpha", "cohen_kappa": "cohen_kappa", "fleiss_kappa": "fleiss_kappa",
    "gwet_ac1": "ac1",
}
# Chance-corrected coefficients: undefined ("not estimable") when every pairable value is in
# one category (an option nobody or everybody chose), where the formulas give 0/0 or a
# meaningless 1.000.
CHANCE_CORRECTED = ("cohen_kappa", "fleiss_kappa", "conger_kappa", "krippendorff_alpha",
                    "gwet_ac1", "gwet_ac2", "pabak")
# An interval only when at least this many pairable values lie outside the most common
# category (the minority of a yes/no row): below it the bootstrap intervals covered the true
# alpha far less often than stated (bench/interval_coverage.py, bench/README.md).
MIN_MINORITY_VALUES = 15
# AC1's interval needs more: with 15 to 29 minority values simulated 95% intervals for AC1
# covered its true value in as few as 83% of data sets on rare options (alpha's and kappa's
# held); from 30 on every cell covered at least 94% (bench/README.md, "Interval coverage").
MIN_MINORITY_VALUES_AC1 = 30
# And of those at least this many agreed: coincidences of a category with itself outside the
# most common category (two coders: twice the cases both gave the rarer answer). AC1 falls
# with every disagreement (and as the rarer category gets commoner); where 30 minority values
# are rare for the data, those that reach 30 mostly do so by disagreements, so the rule picked
# data sets whose AC1 lay below its true value: their intervals covered it in 73-88% (bench/
# README.md, "Interval coverage"). Agreed values do not pull AC1 down; with 26 (and no
# degenerate interval, below) AC1's sparse cells covered 96-97% pooled, the lowest cell 93%.
MIN_AGREED_MINORITY_AC1 = 26
# No interval when more than this share of the resamples gave no value (undefined).
MAX_DROPPED_SHARE = 0.05
# Interval ends are shown to 2 decimals: at 1,000 resamples they move by about +-0.01 with
# the seed, so a third decimal would be noise.
CI_DECIMALS = 2
INTERVAL_METHOD = "bias-corrected and accelerated (BCa) bootstrap over cases"


def interval_method(n_boot: int, confidence: float = 0.95) -> str:
    return f"{confidence:.0%} {INTERVAL_METHOD}, {n_boot:,} resamples"


def subset_alphas(coded: Coded):
    """A function of a boolean mask over `coded`'s units giving the nominal Krippendorff's
    alpha of those units, row_statistics(Coded(codes[mask], ...), n_boot=0)'s (None where
    that gives None), for many subsets (the drift trend test's reorderings): the distinct rows
    and each one's terms of the formula are found once, and a subset's alpha is three sums
    over them. Where every unit has at most three values the terms are multiples of 1/2 and
    every sum is exact, so the alpha is row_statistics' bit for bit; with more values per
    unit it can differ in the last bit (the sums' order)."""
    codes = coded.codes
    rated = (codes >= 0).any(axis=1)
    whole = _Patterns(coded)
    r = whole.r
    with np.errstate(all="ignore"):
        observed_p = whole.pair_sums(lambda a, b: _alpha_delta("nominal", None, a, b)) / np.where(
            r > 1, r - 1, 1)
    observed_p *= whole.pairable
    pairable_values_p = whole.pairable * r
    entry = whole.pairable[whole.p_idx] > 0
    entry_pattern, entry_category = whole.p_idx[entry], whole.c_idx[entry]
    n_pat, unit_pattern = len(whole.codes), whole.unit_pattern

    def alpha(mask: np.ndarray) -> float | None:
        counts = np.bincount(unit_pattern[mask[rated]], minlength=n_pat).astype(float)
        if not counts.any():
            return None
        per_category = np.bincount(entry_category, weights=counts[entry_pattern],
                                   minlength=whole.q)
        if np.count_nonzero(per_category) < 2:
            return None  # no pairable value, or all in one category: not estimable
        n_b = counts @ pairable_values_p
        expected = n_b ** 2 - (per_category ** 2).sum()
        with np.errstate(all="ignore"):
            value = 1.0 - (n_b - 1.0) * (counts @ observed_p) / expected
        return float(value) if expected > 1e-12 and np.isfinite(value) else None

    return alpha


def _minority_values(pat: _Patterns) -> tuple[int, int, int]:
    """(pairable values, values outside the most common category, categories used) over the
    units with two or more values."""
    entry = pat.pairable[pat.p_idx] > 0
    per_category = np.bincount(pat.c_idx[entry], weights=pat.freq[pat.p_idx[entry]],
                               minlength=pat.q)
    total = int(per_category.sum())
    if total == 0:
        return 0, 0, 0
    return total, int(total - per_category.max()), int((per_category > 0).sum())


def _agreed_minority_values(pat: _Patterns) -> int:
    """Coincidences of a category with itself (Krippendorff's o_cc: per unit with m values,
    n_c (n_c - 1) / (m - 1) for the n_c values of category c) summed over the categories other
    than the most common one, over the units with two or more values; with two coders, twice
    the number of units where both gave the same rarer category."""
    entry = pat.pairable[pat.p_idx] > 0
    if not entry.any():
        return 0
    p_idx, c_idx = pat.p_idx[entry], pat.c_idx[entry]
    per_category = np.bincount(c_idx, weights=pat.freq[p_idx], minlength=pat.q)
    cells, n = np.unique(p_idx * pat.q + c_idx, return_counts=True)
    rows, categories = cells // pat.q, cells % pat.q
    coincidences = n * (n - 1) / (pat.r[rows] - 1) * pat.freq[rows]
    diagonal = np.bincount(categories, weights=coincidences, minlength=pat.q)
    # Rounded: with m values in a unit the terms are multiples of 1 / (m - 1).
    return int(round(float(diagonal.sum() - diagonal[int(per_category.argmax())])))


def bc_interval(boot: np.ndarray, estimate: float, confidence: float = 0.95,
                acceleration: float = 0.0):
    """Bias-corrected and accelerated (BCa; BC when `acceleration` is 0) percentile interval
    (Efron 1987) of finite resample values `boot` around `estimate`: the percentiles
    Phi(z0 + (z0 + z) / (1 - a (z0 + z))) for z = -+ z_(1-c)/2, with z0 = Phi^-1(share of
    resamples below the estimate, ties counted half). None when the estimate lies outside
    (or at an end of) the resamples' range, where no correction is possible. The interval
    always contains the estimate."""
    n = boot.size
    if n == 0:
        return None
    below = np.count_nonzero(boot < estimate) + 0.5 * np.count_nonzero(boot == estimate)
    share = below / n
    if not 0.0 < share < 1.0:
        return None
    normal = NormalDist()
    z0 = normal.inv_cdf(share)
    z = normal.inv_cdf(0.5 + confidence / 2.0)
    levels = []
    for zz in (-z, z):
        shifted = z0 + zz
        denominator = 1.0 - acceleration * shifted
        if denominator <= 0:
            return None
        levels.append(normal.cdf(z0 + shifted / denominator))
    low, high = np.quantile(boot, levels)
    return min(float(low), estimate), max(float(high), estimate)


def _accelerations(pat: _Patterns, level: str, binary: bool, keys) -> dict[str, float]:
    """BCa's acceleration per coefficient from the jackknife over cases (leave one case out:
    every case of a pattern gives the same value, so one row per pattern, weighted by its
    count). 0 (plain BC) where a jackknife value is undefined or there are too many patterns."""
    n_pat = len(pat.freq)
    if n_pat > _JACKKNIFE_PATTERNS or pat.units_rated < 3:
        return {key: 0.0 for key in keys}
    counts = pat.freq[None, :] - np.eye(n_pat)
    jack = _coefficients(pat, counts, level, binary, identity=pat.n_coders <= 2, keys=keys)
    out = {}
    for key in keys:
        values = jack[key]
        if not np.all(np.isfinite(values)):
            out[key] = 0.0
            continue
        mean = (pat.freq * values).sum() / pat.freq.sum()
        d = mean - values
        spread = (pat.freq * d ** 2).sum()
        out[key] = float((pat.freq * d ** 3).sum() / (6.0 * spread ** 1.5)) if spread > 0 else 0.0
    return out


def q_histogram(boot: np.ndarray) -> dict:
    """What q needs of the bootstrap alphas, kept small: the number of finite resamples, how
    many fell below 0, and the counts per thousandth in [0, 1) (floor(1000 alpha)), so that
    q(t) = share of resamples with alpha < t is an exact count for any t of three decimals."""
    k = np.floor(boot * 1000.0).astype(int)
    inside = (k >= 0) & (k < 1000)
    keys, counts = np.unique(k[inside], return_counts=True)
    return {"n": int(boot.size), "below0": int(np.count_nonzero(k < 0)),
            "bins": np.stack([keys, counts], axis=1).tolist()}


def q_below(histogram: dict | None, threshold: float) -> float | None:
    """Krippendorff's q: the share of bootstrap alphas below `threshold` (in [0, 1], three
    decimals), from q_histogram; None without a histogram."""
    if not histogram or not histogram.get("n"):
        return None
    cut = int(round(threshold * 1000))
    below = histogram["below0"] + sum(c for k, c in histogram["bins"] if k < cut)
    return below / histogram["n"]


def row_statistics(
    coded: Coded,
    *,
    level: str = "nominal",
    binary: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    min_units: int = MIN_UNITS_FOR_INTERVAL,
    min_minority: int = MIN_MINORITY_VALUES,
    max_dropped: float = MAX_DROPPED_SHARE,
    min_minority_ac1: int = MIN_MINORITY_VALUES_AC1,
    min_agreed_minority_ac1: int = MIN_AGREED_MINORITY_AC1,
    only: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """All figures of one row: point estimates (None where undefined), BCa
    bootstrap intervals for alpha, Cohen's kappa, Fleiss' kappa and AC1 (only where the data
    carry the information for one: see MIN_UNITS_FOR_INTERVAL, MIN_MINORITY_VALUES,
    MIN_MINORITY_VALUES_AC1, MIN_AGREED_MINORITY_AC1 and MAX_DROPPED_SHARE), the
    number of resamples dropped as undefined for each, what q needs ("alpha_boot"), and
    warnings (plain sentences). With `only` (e.g. ("percent_agreement",
    "krippendorff_alpha") for point figures), only those are computed, as without: the others
    are None and the warnings that depend on them may be missing."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if level in ("interval", "ratio") and coded.values is None:
        raise ValueError(f"level {level!r} needs numeric category values")
    coders = int(np.count_nonzero((coded.codes >= 0).any(axis=0)))
    # Coefficients that do not ask who gave which value are the same on cases' values
    # whatever columns they sit in: with only those wanted, the cases are patterns whoever
    # coded them from the start (drift's blocks: ten coders' columns, two values a case).
    anonymous = (only is not None and set(only) <= _IDENTITY_FREE
                 and coded.codes.shape[1] > 2)
    pat = _Patterns(_anonymous(coded) if anonymous else coded)
    warnings: list[str] = []
    stats: dict[str, Any] = {"units": pat.units, "coders": coders}
    point = (_coefficients(pat, pat.freq[None, :], level, binary, keys=only)
             if len(pat.codes) else None)
    keys = ["percent_agreement", "cohen_kappa", "fleiss_kappa", "conger_kappa",
            "krippendorff_alpha", "gwet_ac1", "gwet_ac2"]
    if binary:
        keys += ["pabak", "prevalence_index", "bias_index"]
    for key in keys:
        value = None if point is None else float(point[key][0])
        stats[key] = value if value is not None and np.isfinite(value) else None
    values_total, minority, used = _minority_values(pat)
    stats["pairable_values"], stats["minority_values"] = values_total, minority
    # Not a CSV column: only AC1's rule reads it (and the warning says it).
    agreed_minority = stats["agreed_minority_values"] = _agreed_minority_values(pat)
    # False: values, all in one category ("not estimable"); None: no case coded twice.
    stats["estimable"] = (used >= 2) if values_total else None
    if values_total and used < 2:
        for key in CHANCE_CORRECTED:
            if key in stats:
                stats[key] = None
        warnings.append(
            "Every coder gave the same value on every case: agreement is complete but "
            "chance-corrected coefficients are not estimable (nothing to tell apart)."
        )
    for short in INTERVAL_KEYS.values():
        stats[f"{short}_ci_low"] = stats[f"{short}_ci_high"] = None
        stats[f"{short}_dropped"] = None
    stats["alpha_boot"] = None
    stats["interval_method"] = ""
    dominant = 1.0 - minority / values_total if values_total else None
    if note := _paradox(stats, dominant):
        warnings.append(note)
    stats["resamples"] = 0
    if n_boot < 1 or point is None or stats["estimable"] is False:
        stats["warnings"] = warnings
        return stats
    if pat.units < min_units:
        if any(stats[k] is not None for k in INTERVAL_KEYS):
            warnings.append(
                f"Only {pat.units} case{'s' if pat.units != 1 else ''} coded twice or more: "
                f"no interval below {min_units}; the figures are shown but are imprecise."
            )
        stats["warnings"] = warnings
        return stats
    if minority < min_minority:
        warnings.append(
            f"Only {minority} of {values_total} values differ from the most common one: no "
            f"interval below {min_minority} (too little information; the figures are shown "
            "but are imprecise)."
        )
        stats["warnings"] = warnings
        return stats
    if pat.n_coders > 2 and not anonymous:
        # The intervals' coefficients (alpha, Fleiss' kappa, AC1) do not depend on who gave
        # which value, so cases with the same values are one pattern whoever coded them:
        # far fewer patterns to resample when many coders share the cases.
        pat = _Patterns(_anonymous(coded))
    draws = _resample_counts(pat, n_boot, seed)
    # Only the coefficients that get an interval here (each computed as it would be with all).
    needed = [key for key in INTERVAL_KEYS if stats[key] is not None]
    boot = _coefficients(pat, draws, level, binary, identity=pat.n_coders <= 2, keys=needed)
    accelerations = _accelerations(pat, level, binary, needed)
    stats["resamples"] = n_boot
    stats["interval_method"] = interval_method(n_boot, confidence)
    for key, short in INTERVAL_KEYS.items():
        if stats[key] is None:
            continue
        if key == "gwet_ac1" and minority < min_minority_ac1:
            warnings.append(
                f"Only {minority} of {values_total} values differ from the most common one: no "
                f"interval for AC1 below {min_minority_ac1} (too little information)."
            )
            continue
        if key == "gwet_ac1" and agreed_minority < min_agreed_minority_ac1:
            warnings.append(
                f"Only {agreed_minority} of the {minority} values outside the most common one "
                f"are agreed (two coders giving the same one): no interval for AC1 below "
                f"{min_agreed_minority_ac1} (its interval would be too low too often)."
            )
            continue
        values = boot[key]
        finite = values[np.isfinite(values)]
        dropped = int(n_boot - finite.size)
        stats[f"{short}_dropped"] = dropped
        if dropped > max_dropped * n_boot:
            warnings.append(
                f"{dropped} of {n_boot} resamples ({dropped / n_boot:.0%}) gave no "
                f"{_NAMES[key]} (undefined): no interval above {max_dropped:.0%}."
            )
            continue
        if finite.size and np.all(np.abs(finite - stats[key]) <= 1e-12):
            # No disagreement anywhere (alpha 1.000 on every resample): a 1.00-1.00 "interval"
            # says the bootstrap saw no variation, not that there is none; simulated data
            # with a true alpha of 0.8 gave it (bench/README.md, "Degenerate intervals").
            warnings.append(
                f"Every resample gave the same {_NAMES[key]} as the data: the bootstrap shows "
                "no variation here, which is not certainty: no interval."
            )
            continue
        interval = bc_interval(finite, stats[key], confidence, accelerations[key])
        if interval is None:
            warnings.append(
                f"The resamples' {_NAMES[key]} all lie on one side of the estimate: no interval."
            )
            continue
        stats[f"{short}_ci_low"], stats[f"{short}_ci_high"] = interval
        if key == "krippendorff_alpha":
            stats["alpha_boot"] = q_histogram(finite)
        if dropped:
            warnings.append(
                f"{dropped} of {n_boot} resamples ({dropped / n_boot:.1%}) gave no "
                f"{_NAMES[key]} (undefined) and were dropped from its interval."
            )
    stats["warnings"] = warnings
    return stats


# The kappa paradox: agreement at least this high, a chance-corrected coefficient at least
# PARADOX_GAP below it, and one category holding at least PARADOX_DOMINANT of the values (two
# coders: a prevalence index of at least 0.5).
PARADOX_AGREEMENT, PARADOX_GAP, PARADOX_DOMINANT = 0.8, 0.2, 0.75


def _paradox(stats: dict, dominant: float | None) -> str | None:
    """The kappa paradox, any number of coders: high agreement, a chance-corrected
    coefficient (kappa, alpha) much lower, because one value is much more common (`dominant`:
    the most common category's share of the pairable values)."""
    pa = stats.get("percent_agreement")
    if pa is None or pa < PARADOX_AGREEMENT or dominant is None or dominant < PARADOX_DOMINANT:
        return None
    names = (("cohen_kappa", "Cohen's kappa"), ("fleiss_kappa", "Fleiss' kappa"),
             ("krippendorff_alpha", "alpha"))
    low = [(stats[k], name) for k, name in names if stats.get(k) is not None]
    low = [(v, name) for v, name in low if pa - v >= PARADOX_GAP]
    if not low:
        return None
    value, name = min(low)
    pi = stats.get("prevalence_index")
    why = (f"one answer is much more common than the other (prevalence index {pi:+.2f})"
           if pi is not None else "one value is much more common than the others")
    return (
        f"Agreement {pa:.2f} but {name} {value:.2f}: {why}, which lowers the chance-corrected "
        "coefficients (the kappa paradox); see PABAK and AC1."
    )


_NAMES = {"krippendorff_alpha": "alpha", "cohen_kappa": "Cohen's kappa",
          "fleiss_kappa": "Fleiss' kappa", "gwet_ac1": "AC1"}



def alpha_with_distance(coded: Coded, delta: np.ndarray) -> float | None:
    """Krippendorff's alpha with any distance given as a categories x categories matrix
    (e.g. MASI between sets of options); point estimate only."""
    pat = _Patterns(coded)
    if not len(pat.codes):
        return None
    counts = pat.freq[None, :]
    r = pat.r
    with np.errstate(all="ignore"):
        obs_p = pat.pair_sums(lambda a, b: delta[a, b]) / np.where(r > 1, r - 1, 1)
    observed = counts @ (obs_p * pat.pairable)
    pair_entry = pat.pairable[pat.p_idx] > 0
    m = _Sub(pat, pair_entry).aggregate(_Resamples(counts))
    n = counts @ (pat.pairable * r)
    expected = np.einsum("bc,ck,bk->b", m, delta, m)
    with np.errstate(all="ignore"):
        alpha = float((1.0 - (n - 1.0) * observed / expected)[0])
    return alpha if expected[0] > 1e-12 and np.isfinite(alpha) else None


def pair_tables(coded: Coded) -> dict[tuple[int, int], np.ndarray]:
    """Per pair of coder columns (i < j) that share a case: the q x q table of their values
    over the cases both coded (rows coder i)."""
    q = coded.q
    present = coded.codes >= 0
    tables = {}
    for i in range(coded.codes.shape[1]):
        for j in range(i + 1, coded.codes.shape[1]):
            both = present[:, i] & present[:, j]
            if both.any():
                cells = coded.codes[both, i] * q + coded.codes[both, j]
                tables[(i, j)] = np.bincount(cells, minlength=q * q).reshape(q, q).astype(float)
    return tables


def pair_figures(table: np.ndarray, *, level: str, values: np.ndarray | None) -> dict:
    """Two coders' agreement, Cohen's kappa, alpha (at `level`) and AC1 from their q x q
    table; the same figures as row_statistics on those cases, without resampling."""
    q, n = table.shape[0], table.sum()
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    pa = np.trace(table) / n
    out = {"units": int(n), "percent_agreement": float(pa)}
    kappa = _chance_corrected(np.array([pa]), np.array([(rows * cols).sum() / n ** 2]))[0]
    pi = (rows + cols) / (2 * n)
    ac1 = (_chance_corrected(np.array([pa]), np.array([(pi * (1 - pi)).sum() / (q - 1)]))[0]
           if q >= 2 else np.nan)
    coincidences = table + table.T
    marg = coincidences.sum(axis=1)
    idx = np.arange(q)
    if level == "ordinal":
        cs = np.cumsum(marg)
        lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
        delta = (cs[hi] - cs[lo] + marg[lo] - (marg[:, None] + marg[None, :]) / 2.0) ** 2
    else:
        delta = _alpha_delta(level, values, idx[:, None], idx[None, :])
    expected = marg @ delta @ marg
    with np.errstate(all="ignore"):
        alpha = 1.0 - (2 * n - 1.0) * (coincidences * delta).sum() / expected
    out["cohen_kappa"] = float(kappa) if np.isfinite(kappa) else None
    out["krippendorff_alpha"] = float(alpha) if expected > 1e-12 and np.isfinite(alpha) else None
    out["gwet_ac1"] = float(ac1) if np.isfinite(ac1) else None
    return out


# --------------------------------------------------------------------------- KALPHA's bootstrap

KALPHA_METHOD = "Krippendorff's bootstrap of pairable values (KALPHA)"


def _coincidences(coded: Coded, level: str) -> tuple[np.ndarray, np.ndarray, float, int]:
    """(o, delta, n.., pairs): the q x q matrix of observed coincidences (each unit's ordered
    pairs of values from different coders, weighted 1 / (m_u - 1)), the metric differences
    over the categories (ordinal from the coincidences' marginals), the number of pairable
    values n.. and the number of pairs of values sum_u m_u (m_u - 1) / 2 (Krippendorff 2011)."""
    pat = _Patterns(coded)
    q = coded.q
    o = np.zeros((q, q))
    pairs = 0
    pairable = pat.pairable > 0
    if len(pat.codes):
        for codes, freq, r in zip(pat.codes[pairable], pat.freq[pairable], pat.r[pairable],
                                  strict=True):
            counts = np.bincount(codes[codes >= 0], minlength=q).astype(float)
            o += freq * (np.outer(counts, counts) - np.diag(counts)) / (r - 1.0)
            pairs += int(freq * r * (r - 1) // 2)
    marg = o.sum(axis=1)
    idx = np.arange(q)
    if level == "ordinal":
        cs = np.cumsum(marg)
        lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
        delta = (cs[hi] - cs[lo] + marg[lo] - (marg[:, None] + marg[None, :]) / 2.0) ** 2
    else:
        delta = _alpha_delta(level, coded.values, idx[:, None], idx[None, :])
    return o, delta, float(marg.sum()), pairs


def kalpha_bootstrap(coded: Coded, *, level: str = "nominal", n_boot: int = 1000, seed: int = 0,
                     confidence: float = 0.95) -> dict[str, Any]:
    """Krippendorff's own bootstrap of alpha (Krippendorff 2006, rev. 2011, "Algorithm for
    bootstrapping a distribution of alpha"; the KALPHA macro of Hayes & Krippendorff 2007).

    Alpha = 1 - D_o / D_e from the matrix of observed coincidences o_ck (n.. pairable values).
    Each resample draws M pairs of values with replacement from the coincidences' cells,
    with probabilities p_ck = o_ck / n.., where M = sum_u m_u (m_u - 1) / 2 is the number of
    pairs of values in the data (239 in Hayes & Krippendorff's example), and gives
    alpha* = 1 - (sum of the M drawn metric differences) / (M D_e), D_e the *original*
    expected disagreement (the number of pairs and the expected disagreement are held
    fixed: Krippendorff's design, not a resampling of cases). Resamples with alpha* < -1
    (outside alpha's range) are dropped, as KALPHA and the R package icr do. The interval
    is the percentile interval KALPHA reports; q(t) is the share of resamples below t.

    Returns {"alpha", "pairable_values", "pairs", "boot" (finite resample alphas), "dropped",
    "ci_low", "ci_high", "method"}; alpha and the interval None where alpha is undefined
    (no pairable values, or every value in one category).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if level in ("interval", "ratio") and coded.values is None:
        raise ValueError(f"level {level!r} needs numeric category values")
    o, delta, n, pairs = _coincidences(coded, level)
    out: dict[str, Any] = {"alpha": None, "pairable_values": int(round(n)), "pairs": pairs,
                           "boot": np.zeros(0), "dropped": 0, "ci_low": None, "ci_high": None,
                           "method": f"{confidence:.0%} {KALPHA_METHOD}, {n_boot:,} resamples"}
    marg = o.sum(axis=1)
    expected = float(marg @ delta @ marg) / (n * (n - 1.0)) if n > 1 else 0.0
    if expected <= 1e-12:
        return out
    observed = float((o * delta).sum()) / n
    out["alpha"] = 1.0 - observed / expected
    if n_boot < 1 or pairs < 1:
        return out
    rng = np.random.default_rng(seed)
    probs = (o / n).ravel()
    probs = probs / probs.sum()
    draws = rng.multinomial(pairs, probs, size=n_boot).astype(float)
    boot = 1.0 - (draws @ delta.ravel()) / (pairs * expected)
    keep = boot >= -1.0
    out["boot"], out["dropped"] = boot[keep], int(n_boot - keep.sum())
    if keep.any():
        tail = (1.0 - confidence) / 2.0
        low, high = np.quantile(boot[keep], [tail, 1.0 - tail])
        out["ci_low"], out["ci_high"] = float(low), float(high)
    return out
