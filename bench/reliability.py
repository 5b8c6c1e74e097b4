"""Benchmark of the reliability report's computation. See bench/README.md ("Reliability").

    .venv/bin/python bench/reliability.py                  # 1,000 / 10,000 / 50,000 cases
    .venv/bin/python bench/reliability.py --cases 10000 --repeat 5

Imports a codebook into a scratch SQLite file (bench/reliability.sqlite3, deleted before and
after), builds synthetic reliability tables in memory (two coders per case; the second
agrees with the first on about 80% of values) and times `reliability_rows` (every attribute
and option row: all coefficients, 1,000 bootstrap resamples for the intervals) and
`pair_rows` (per coder pair), as the `reliability` command and the page compute them,
without the database read. Codebooks: the bundled one (12 attributes, 11 compared, 34 rows)
and a synthetic one with three 8-option multiple-choice attributes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQLITE = ROOT / "bench" / "reliability.sqlite3"

EIGHT_OPTIONS = """
title: Eight-option multiple choice
sections:
  - title: Wide
    attributes:
""" + "".join(
    f"""      - key: wide_{n}
        label: Wide {n}
        kind: multi
        options: [{", ".join(f"{{key: o{k}, label: O{k}}}" for k in range(8))}]
""" for n in range(3)
)


def tables_for(attributes, n_cases: int, seed: int, coders: int = 2) -> dict:
    """Two coders per case, drawn from `coders` coders (as bench/run.py assigns them)."""
    rng = random.Random(seed)
    names = [f"coder_{i}" for i in range(coders)]
    pairs = [rng.sample(names, 2) for _ in range(n_cases)]

    def draw(attribute):
        if attribute.kind == "single":
            return rng.choice(attribute.keys)
        if attribute.kind == "multi":
            size = rng.randint(1, min(2, len(attribute.keys)))
            return frozenset(rng.sample(attribute.keys, size))
        if attribute.kind == "boolean":
            return rng.random() < 0.5
        return float(rng.randint(1990, 2020))

    tables = {}
    for attribute in attributes:
        attribute.keys = [o.key for o in attribute.options.all()]
        table = {}
        for case in range(1, n_cases + 1):
            first = draw(attribute)
            second = first if rng.random() < 0.8 else draw(attribute)
            a, b = pairs[case - 1]
            table[str(case)] = {a: first, b: second}
        tables[attribute.key] = table
    return tables


def measure(codebook_path: Path, n_cases: int, repeat: int, coders: int = 2) -> dict:
    from coding.models import AttributeKind
    from coding.reliability.selectors import ReliabilityData, pair_rows, reliability_rows
    from coding.reviews.importers import codebook_import

    book = codebook_import(path=codebook_path, review_slug=f"bench-{codebook_path.stem}")
    attributes = list(
        book.codebook.attributes.exclude(kind=AttributeKind.TEXT).prefetch_related("options")
    )
    tables = tables_for(attributes, n_cases, 7, coders)
    # Warm-up (imports, first allocations); then every run starts from the plain tables, as
    # a request does (encoding into arrays included).
    rows = reliability_rows(data=ReliabilityData(book.codebook, attributes, tables))
    wall, cpu = [], []
    for _ in range(repeat):
        data = ReliabilityData(book.codebook, attributes, tables)
        start, start_cpu = time.perf_counter(), time.process_time()
        reliability_rows(data=data)
        pair_rows(data=data)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"rows": len(rows), "wall": statistics.median(wall), "cpu": statistics.median(cpu),
            "attributes": len(attributes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, nargs="*", default=[1000, 10000, 50000])
    parser.add_argument("--wide-cases", type=int, nargs="*", default=[3000],
                        help="cases for the 8-option multiple-choice codebook")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (median reported)")
    parser.add_argument("--coders", type=int, default=2,
                        help="coders in the review (each case gets two of them)")
    args = parser.parse_args()

    SQLITE.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")  # as measured so far (DEBUG is off unless set)
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        wide = ROOT / "bench" / "eight_options.yaml"
        wide.write_text(EIGHT_OPTIONS)
        runs = [(ROOT / "fixtures" / "coproduction_codebook.yaml", n) for n in args.cases]
        runs += [(wide, n) for n in args.wide_cases]
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"reliability_rows + pair_rows, {args.coders} coders (2 per case), 1,000 "
              f"resamples; median of "
              f"{args.repeat} runs; {os.cpu_count()} CPUs, load average {load}")
        print(f"{'codebook':<28}{'cases':>8}{'rows':>6}{'wall s':>9}{'cpu s':>9}")
        for path, n in runs:
            result = measure(path, n, args.repeat, args.coders)
            name = "bundled (coproduction)" if path.stem.startswith("coproduction") else (
                "three 8-option multi")
            print(f"{name:<28}{n:>8}{result['rows']:>6}{result['wall']:>9.2f}"
                  f"{result['cpu']:>9.2f}")
    finally:
        from django.db import connections

        connections.close_all()
        SQLITE.unlink(missing_ok=True)
        (ROOT / "bench" / "eight_options.yaml").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
