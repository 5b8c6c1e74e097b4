"""Coverage of the reliability intervals by simulation. See bench/README.md ("Interval coverage").

    .venv/bin/python bench/interval_coverage.py                    # 200 data sets per cell
    .venv/bin/python bench/interval_coverage.py --sets 100 --alpha 0.8

Two coders code n cases of a yes/no attribute whose true value is "yes" with probability
`prevalence`. Each coder reports the true value with probability r and otherwise a value drawn
at random with the same prevalence; then both coders' marginals equal the prevalence and the
population alpha is exactly r^2 (observed disagreement 2p(1-p)(1 - r^2), expected 2p(1-p)),
so r = sqrt(alpha). Every data set goes through the app's own `row_statistics` (1,000
resamples, the page's seed) with the minority rule switched off, and the script records
whether the 95% interval for alpha was shown and whether it covered the true alpha; it then
reports, for each candidate minimum of minority values, coverage where an interval would be
shown and how often none would be. Light: numpy only, a few hundred data sets per cell.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coding.reliability.coefficients import (  # noqa: E402
    MAX_DROPPED_SHARE,
    MIN_MINORITY_VALUES,
    MIN_UNITS_FOR_INTERVAL,
    row_statistics,
)
from coding.reliability.encoding import Coded  # noqa: E402

PREVALENCES = (0.03, 0.05, 0.10, 0.20, 0.50)
SIZES = (10, 20, 30, 50, 100, 200)
MINIMUMS = (0, 5, 10, 15, 20)


def simulate(n: int, prevalence: float, alpha: float, rng: np.random.Generator) -> np.ndarray:
    r = np.sqrt(alpha)
    truth = rng.random(n) < prevalence
    codes = np.empty((n, 2), dtype=np.int64)
    for g in range(2):
        keep = rng.random(n) < r
        noise = rng.random(n) < prevalence
        codes[:, g] = np.where(keep, truth, noise)
    return codes


def cell(n: int, prevalence: float, alpha: float, sets: int, seed: int) -> list[tuple]:
    """Per data set: (minority values, interval shown, covered)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(sets):
        codes = simulate(n, prevalence, alpha, rng)
        stats = row_statistics(Coded(codes=codes, q=2), binary=True, n_boot=1000, seed=i,
                               min_minority=0, min_units=0, max_dropped=MAX_DROPPED_SHARE)
        low, high = stats["alpha_ci_low"], stats["alpha_ci_high"]
        shown = low is not None
        covered = shown and low <= alpha <= high
        out.append((stats["minority_values"], shown, covered))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=200, help="data sets per cell (max 500)")
    parser.add_argument("--alpha", type=float, action="append",
                        help="true alpha (repeatable; default 0.667 and 0.8)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--prevalence", type=float, action="append",
                        help="prevalence (repeatable; default 0.03 to 0.5)")
    parser.add_argument("--size", type=int, action="append",
                        help="cases per data set (repeatable; default 10 to 200)")
    args = parser.parse_args()
    sets = min(args.sets, 500)
    alphas = args.alpha or [0.667, 0.8]
    started = time.perf_counter()
    results: dict[tuple, list] = {}
    prevalences = args.prevalence or PREVALENCES
    sizes = args.size or SIZES
    for a in alphas:
        for p in prevalences:
            for n in sizes:
                results[(a, p, n)] = cell(n, p, a, sets, args.seed + int(1000 * p) + n)
    print(f"{sets} data sets per cell, 1,000 resamples each, "
          f"{time.perf_counter() - started:.0f} s\n")
    rules = [(m, 0) for m in MINIMUMS] + [(MIN_MINORITY_VALUES, MIN_UNITS_FOR_INTERVAL)]
    for m, units in rules:
        title = f"Minimum {m} minority values"
        if units:
            title += f" and {units} cases (the app's rule)"
        print(f"### {title}\n")
        print("| true α | prevalence | " + " | ".join(f"n={n}" for n in sizes) + " |")
        print("|---|---|" + "---|" * len(sizes))
        worst = 1.0
        for a in alphas:
            for p in prevalences:
                cells = []
                for n in sizes:
                    if n < units:
                        cells.append("— (100% none)")
                        continue
                    rows = [r for r in results[(a, p, n)] if r[0] >= m and r[1]]
                    none = 1 - len(rows) / sets
                    if rows:
                        cov = sum(r[2] for r in rows) / len(rows)
                        if len(rows) >= 20:
                            worst = min(worst, cov)
                        cells.append(f"{cov:.0%} ({none:.0%} none)")
                    else:
                        cells.append("— (100% none)")
                print(f"| {a:g} | {p:.0%} | " + " | ".join(cells) + " |")
        print(f"\nLowest coverage where an interval is shown in at least 20 data sets: "
              f"{worst:.1%}\n")


if __name__ == "__main__":
    main()
