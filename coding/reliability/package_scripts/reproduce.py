"""Recompute every Krippendorff's alpha of this replication package from its files and print
it beside the application's (reliability.csv).

    pip install krippendorff numpy
    python reproduce.py            # in the unzipped package's folder (or: python reproduce.py DIR)

The rule the application applies, applied here from the files:
- only cases whose assigned coders (at least two) have all submitted count
  (coding_status.csv); cases coded by one coder are in codings.csv but left out here;
- only codings made under the current codebook (attributes.csv: codebook_version);
- text attributes are not compared;
- a multiple-choice attribute is compared as one nominal category per set of options, and
  each of its options as a yes/no row (chosen or not, on the cases where the coder coded the
  attribute); with a "none" option, nothing ticked means "not coded";
- a coder without a value for an attribute did not code it (missing);
- alpha uses the attribute's level of measurement (attributes.csv: level); ordinal scales are
  ordered as the options are (options.csv: order).
Exit status 1 when a figure differs from the application's by more than 1e-9.
"""

import csv
import math
import sys
from pathlib import Path

import krippendorff
import numpy as np

TOLERANCE = 1e-9


def read(folder, name):
    with open(Path(folder) / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def alpha(matrix, level, domain):
    """Krippendorff's alpha of a coders x units matrix (np.nan = not coded), or None where it
    is undefined (fewer than two pairable values, or one value only)."""
    data = np.asarray(matrix, dtype=float)
    if data.size == 0:
        return None
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    values = data[:, pairable]
    observed = values[~np.isnan(values)]
    if observed.size < 2 or np.unique(observed).size < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level,
                                    value_domain=domain))


def _number(case):
    """A case number's numeric value for sorting (numbers that are not numeric sort last)."""
    try:
        return float(case)
    except ValueError:
        return math.inf


def main(folder="."):
    attributes = read(folder, "attributes.csv")
    options = {}
    for row in read(folder, "options.csv"):
        options.setdefault(row["attribute"], []).append(row)
    for rows in options.values():
        rows.sort(key=lambda r: int(r["order"]))
    version = attributes[0]["codebook_version"] if attributes else ""

    status = read(folder, "coding_status.csv")
    by_case = {}
    for row in status:
        by_case.setdefault(row["case"], []).append(row)
    complete = {
        case for case, rows in by_case.items()
        if sum(r["assigned"] == "yes" for r in rows) >= 2
        and all(r["status"] == "submitted" for r in rows if r["assigned"] == "yes")
    }
    current = {(r["case"], r["coder"]) for r in status
               if r["status"] == "submitted" and r["codebook_version"] == version}

    values = {}  # attribute -> case -> coder -> raw value
    coded_by = {}  # case -> coders with a submitted coding
    for row in read(folder, "codings.csv"):
        coded_by.setdefault(row["case"], set()).add(row["coder"])
        if row["case"] in complete and (row["case"], row["coder"]) in current:
            values.setdefault(row["attribute"], {}).setdefault(row["case"], {})[
                row["coder"]] = row["value"]
    coders = sorted({c for table in values.values() for codes in table.values() for c in codes})
    units = sorted({case for table in values.values() for case in table})
    left_out = sorted(set(coded_by) - complete)
    print(f"{len(complete)} cases whose assigned coders all submitted are compared; "
          f"{len(left_out)} coded cases are left out (coded by one coder, or not all assigned "
          "coders submitted), as the application leaves them out.")
    # Which, and why (as reproduce.R says it): the case numbers, at most 30 per reason.
    waiting = {r["case"] for r in status if r["assigned"] == "yes" and r["status"] != "submitted"}
    reasons = {}
    for case in left_out:
        why = ("coded by one coder only" if len(coded_by[case]) == 1 else
               "an assigned coder has not submitted" if case in waiting else
               "fewer than two coders assigned")
        reasons.setdefault(why, []).append(case)
    for why in ("coded by one coder only", "an assigned coder has not submitted",
                "fewer than two coders assigned"):
        these = sorted(reasons.get(why, []), key=lambda c: (_number(c), c))
        if these:
            more = f" and {len(these) - 30} more" if len(these) > 30 else ""
            print(f"  left out, {why}: {', '.join(these[:30])}{more}")

    expected = {}
    for row in read(folder, "reliability.csv"):
        figure = row["krippendorff_alpha"]
        expected[(row["attribute"], row["option"])] = float(figure) if figure else None

    def matrix(table, convert):
        out = np.full((len(coders), len(units)), np.nan)
        for j, case in enumerate(units):
            for i, coder in enumerate(coders):
                raw = table.get(case, {}).get(coder)
                if raw is not None:
                    value = convert(raw)
                    if value is not None:
                        out[i, j] = value
        return out

    results = []
    for attribute in attributes:
        kind, key, level = attribute["kind"], attribute["attribute"], attribute["level"]
        if kind == "text":
            continue
        table = values.get(key, {})
        keys = [o["option"] for o in options.get(key, [])]
        if kind == "single":
            index = {k: i for i, k in enumerate(keys)}
            results.append((key, "", alpha(matrix(table, index.get), level,
                                            list(range(len(keys))))))
        elif kind == "boolean":
            results.append((key, "", alpha(matrix(table, {"no": 0, "yes": 1}.get), "nominal",
                                            [0, 1])))
        elif kind == "number":
            data = matrix(table, float)
            domain = sorted(set(data[~np.isnan(data)].tolist()))
            results.append((key, "", alpha(data, level, domain) if domain else None))
        else:  # multiple choice
            none = attribute["none_option"]

            def chosen(raw, none=none):
                picked = frozenset(k for k in raw.split(";") if k)
                return None if (not picked and none) else picked

            sets = sorted({s for codes in table.values() for s in map(chosen, codes.values())
                           if s is not None}, key=lambda s: sorted(s))
            index = {s: i for i, s in enumerate(sets)}
            def category(raw, index=index, chosen=chosen):
                return index.get(chosen(raw))

            results.append((key, "", alpha(matrix(table, category), "nominal",
                                            list(range(len(sets))) or None)))
            for option in keys:
                def bit(raw, option=option, chosen=chosen):
                    picked = chosen(raw)
                    return None if picked is None else float(option in picked)

                results.append((key, option, alpha(matrix(table, bit), "nominal", [0.0, 1.0])))

    def show(v):
        return "undefined" if v is None else ("missing" if v == "missing" else f"{v:.6f}")

    worst = 0.0
    print(f"{'attribute':<28} {'option':<24} {'recomputed':>12} {'app':>12}  match")
    for key, option, ours in results:
        theirs = expected.get((key, option), "missing")
        if theirs == "missing":
            ok = False
        elif ours is None or theirs is None:
            ok = ours is None and theirs is None
        else:
            ok = math.isclose(ours, theirs, rel_tol=0, abs_tol=TOLERANCE)
            worst = max(worst, abs(ours - theirs))
        print(f"{key:<28} {option:<24} {show(ours):>12} {show(theirs):>12}  "
              f"{'yes' if ok else 'NO'}")
        if not ok:
            worst = math.inf
    print(f"Largest difference: {worst:.3g} (tolerance {TOLERANCE:g}).")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
