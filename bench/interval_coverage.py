"""Coverage of the reliability intervals by simulation. See bench/README.md ("Interval coverage").

    .venv/bin/python bench/interval_coverage.py --sets 200 --save /tmp/cov.json   # simulate
    .venv/bin/python bench/interval_coverage.py --load /tmp/cov.json             # tabulate again

Two coders code n cases of a yes/no attribute whose true value is "yes" with probability
`prevalence`. Each coder reports the true value with probability r and otherwise a value drawn
at random with the same prevalence; then both coders' marginals equal the prevalence and the
population alpha and Cohen's and Fleiss' kappa are exactly r^2 (observed disagreement
2p(1-p)(1 - r^2), expected 2p(1-p)), so r = sqrt(alpha); AC1's population value is
(1 - 4p(1-p) + 2p(1-p) r^2) / (1 - 2p(1-p)). Every data set goes through the app's own
`row_statistics` (1,000 resamples, the page's seed, the page's rule on dropped resamples) with
the minimums switched off, and through `kalpha_bootstrap` (Krippendorff's bootstrap, 1,000
resamples). The script records, per data set, the cases, the minority values (and how many of
them are agreed, which AC1's rule reads), and for alpha,
Cohen's kappa and AC1 whether an interval came out and whether it covered the true value, and
KALPHA's interval; it then tabulates coverage where an interval would be shown under the app's
rule (and candidate rules), with its Monte Carlo standard error, and how KALPHA's intervals
compare. Light: numpy only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coding.reliability.coefficients import (  # noqa: E402
    MAX_DROPPED_SHARE,
    MIN_AGREED_MINORITY_AC1,
    MIN_MINORITY_VALUES,
    MIN_MINORITY_VALUES_AC1,
    MIN_UNITS_FOR_INTERVAL,
    kalpha_bootstrap,
    row_statistics,
)
from coding.reliability.encoding import Coded  # noqa: E402

PREVALENCES = (0.03, 0.05, 0.10, 0.20, 0.50)
SIZES = (10, 20, 30, 40, 50, 100, 200)
COEFFICIENTS = {"alpha": "α", "cohen_kappa": "Cohen's κ", "fleiss_kappa": "Fleiss' κ",
                "ac1": "AC1"}
# The app's minimum of minority values per coefficient.
MINORITY = {"alpha": MIN_MINORITY_VALUES, "cohen_kappa": MIN_MINORITY_VALUES,
            "fleiss_kappa": MIN_MINORITY_VALUES, "ac1": MIN_MINORITY_VALUES_AC1,
            "kalpha": MIN_MINORITY_VALUES}
# And of agreed minority values (coincidences outside the most common category): AC1 only.
AGREED = {"ac1": MIN_AGREED_MINORITY_AC1}
TARGET = 0.93


def simulate(n: int, prevalence: float, alpha: float, rng: np.random.Generator) -> np.ndarray:
    r = np.sqrt(alpha)
    truth = rng.random(n) < prevalence
    codes = np.empty((n, 2), dtype=np.int64)
    for g in range(2):
        keep = rng.random(n) < r
        noise = rng.random(n) < prevalence
        codes[:, g] = np.where(keep, truth, noise)
    return codes


def true_values(alpha: float, p: float) -> dict[str, float]:
    s = 2 * p * (1 - p)
    return {"alpha": alpha, "cohen_kappa": alpha, "fleiss_kappa": alpha,
            "ac1": (1 - 2 * s + s * alpha) / (1 - s)}


def cell(n: int, prevalence: float, alpha: float, sets: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    truth = true_values(alpha, prevalence)
    out = []
    for i in range(sets):
        coded = Coded(codes=simulate(n, prevalence, alpha, rng), q=2)
        stats = row_statistics(coded, binary=True, n_boot=1000, seed=i, min_minority=0,
                               min_units=0, max_dropped=MAX_DROPPED_SHARE, min_minority_ac1=0,
                               min_agreed_minority_ac1=0)
        row = {"units": stats["units"], "minority": stats["minority_values"],
               "agreed": stats["agreed_minority_values"]}
        for key in COEFFICIENTS:
            low, high = stats[f"{key}_ci_low"], stats[f"{key}_ci_high"]
            row[key] = None if low is None else [low, high, bool(low <= truth[key] <= high)]
        k = kalpha_bootstrap(coded, n_boot=1000, seed=i)
        row["kalpha"] = (None if k["ci_low"] is None else
                         [k["ci_low"], k["ci_high"], bool(k["ci_low"] <= alpha <= k["ci_high"])])
        out.append(row)
    return out


def coverage(rows: list[dict], key: str, min_units: int, min_minority: int, min_agreed: int = 0):
    # Results saved before the agreed count was recorded have no "agreed": a KeyError then,
    # rather than tables that silently ignore the AC1 rule.
    shown = [r[key] for r in rows
             if r[key] is not None and r["units"] >= min_units and r["minority"] >= min_minority
             and (not min_agreed or r["agreed"] >= min_agreed)]
    if not shown:
        return None, 0
    return sum(s[2] for s in shown) / len(shown), len(shown)


def mc_error(cov: float, k: int) -> float:
    return math.sqrt(max(cov * (1 - cov), 0.95 * 0.05) / k)


def table(results, sets, key, min_units, min_minority, title, min_agreed=None) -> float:
    """Print one coverage table; return the lowest coverage among cells with >= 40 intervals."""
    cells = sorted(results)
    sizes = sorted({c[2] for c in cells})
    print(f"### {title}\n")
    print("| true α | prevalence | " + " | ".join(f"n={n}" for n in sizes) + " |")
    print("|---|---|" + "---|" * len(sizes))
    worst = 1.0
    agreed = AGREED.get(key, 0) if min_agreed is None else min_agreed
    for a in sorted({c[0] for c in cells}):
        for p in sorted({c[1] for c in cells}):
            out = []
            for n in sizes:
                cov, k = coverage(results[(a, p, n)], key, min_units, min_minority, agreed)
                if cov is None:
                    out.append("— (100% none)")
                    continue
                if k >= 40:
                    worst = min(worst, cov)
                out.append(f"{cov:.1%} ±{mc_error(cov, k):.1%} ({k}/{sets})")
            print(f"| {a:g} | {p:.0%} | " + " | ".join(out) + " |")
    print(f"\nLowest coverage where at least 40 data sets got an interval: {worst:.1%}\n")
    return worst


def kalpha_comparison(results) -> None:
    print("### KALPHA's bootstrap for α vs the page's BCa interval (same data sets, app's rule)\n")
    print("| true α | prevalence | n | KALPHA coverage | BCa coverage | KALPHA narrower | "
          "median width KALPHA / BCa |")
    print("|---|---|---|---|---|---|---|")
    for (a, p, n), rows in sorted(results.items()):
        both = [r for r in rows if r["alpha"] is not None and r["kalpha"] is not None
                and r["units"] >= MIN_UNITS_FOR_INTERVAL and r["minority"] >= MIN_MINORITY_VALUES]
        if len(both) < 40:
            continue
        kal = sum(r["kalpha"][2] for r in both) / len(both)
        bca = sum(r["alpha"][2] for r in both) / len(both)
        wk = np.array([r["kalpha"][1] - r["kalpha"][0] for r in both])
        wb = np.array([r["alpha"][1] - r["alpha"][0] for r in both])
        print(f"| {a:g} | {p:.0%} | {n} | {kal:.1%} | {bca:.1%} | {np.mean(wk < wb):.0%} | "
              f"{np.median(wk):.3f} / {np.median(wb):.3f} |")
    # Without the minimums: what KALPHA's interval gives on sparse data.
    allrows = [r for rows in results.values() for r in rows
               if r["alpha"] is not None and r["kalpha"] is not None]
    kal = sum(r["kalpha"][2] for r in allrows) / len(allrows)
    narrower = np.mean([r["kalpha"][1] - r["kalpha"][0] < r["alpha"][1] - r["alpha"][0]
                        for r in allrows])
    print(f"\nAll data sets with both intervals, no minimums ({len(allrows)}): KALPHA coverage "
          f"{kal:.1%}, KALPHA narrower than BCa in {narrower:.0%}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=200, help="data sets per cell (max 1000)")
    parser.add_argument("--alpha", type=float, action="append",
                        help="true alpha (repeatable; default 0.667 and 0.8)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--prevalence", type=float, action="append")
    parser.add_argument("--size", type=int, action="append")
    parser.add_argument("--save", help="write the per-data-set results to this JSON file")
    parser.add_argument("--load", help="tabulate the results saved in this JSON file")
    parser.add_argument("--min-units", type=int, action="append",
                        help="candidate minimum cases to tabulate besides the app's")
    parser.add_argument("--min-minority", type=int, action="append",
                        help="candidate minimum minority values to tabulate besides the app's")
    parser.add_argument("--min-agreed", type=int, action="append",
                        help="candidate minimum agreed minority values for AC1 (0: none)")
    args = parser.parse_args()
    if args.load:
        saved = json.loads(Path(args.load).read_text())
        sets = saved["sets"]
        results = {tuple(json.loads(k)): v for k, v in saved["results"].items()}
    else:
        sets = min(args.sets, 1000)
        started = time.perf_counter()
        results = {}
        for a in args.alpha or [0.667, 0.8]:
            for p in args.prevalence or PREVALENCES:
                for n in args.size or SIZES:
                    results[(a, p, n)] = cell(n, p, a, sets, args.seed + int(1000 * p) + n)
        print(f"{sets} data sets per cell, 1,000 resamples each, "
              f"{time.perf_counter() - started:.0f} s\n")
        if args.save:
            Path(args.save).write_text(json.dumps(
                {"sets": sets, "results": {json.dumps(list(k)): v for k, v in results.items()}}))
    def rule(key, units=MIN_UNITS_FOR_INTERVAL, minority=None, agreed=None):
        agreed = AGREED.get(key, 0) if agreed is None else agreed
        return (f"at least {units} cases and {minority or MINORITY[key]} minority values"
                + (f", {agreed} of them agreed" if agreed else ""))

    for key, name in COEFFICIENTS.items():
        table(results, sets, key, MIN_UNITS_FOR_INTERVAL, MINORITY[key],
              f"{name}, the app's rule ({rule(key)})")
    for units in args.min_units or []:
        for key, name in COEFFICIENTS.items():
            table(results, sets, key, units, MINORITY[key],
                  f"{name}, candidate: {rule(key, units)}")
    for minority in args.min_minority or []:
        for key, name in COEFFICIENTS.items():
            table(results, sets, key, MIN_UNITS_FOR_INTERVAL, minority,
                  f"{name}, candidate: {rule(key, minority=minority)}")
    for agreed in args.min_agreed or []:
        table(results, sets, "ac1", MIN_UNITS_FOR_INTERVAL, MINORITY["ac1"],
              f"AC1, candidate: {rule('ac1', agreed=agreed)}", min_agreed=agreed)
    table(results, sets, "kalpha", MIN_UNITS_FOR_INTERVAL, MIN_MINORITY_VALUES,
          f"α, KALPHA's bootstrap (percentile), under the app's rule for α ({rule('alpha')})")
    kalpha_comparison(results)


if __name__ == "__main__":
    main()
