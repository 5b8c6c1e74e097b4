"""Benchmark of coder drift (coding/reliability/drift.py), computed live: since issue 22 the
background snapshot's part, never a request's (bench/reliability_page.py measures the views):
bench/run.py's synthetic review, submissions spread over 26 weeks.

    .venv/bin/python bench/drift.py --cases 10000
    DATABASE_URL=postgresql://coproduction@127.0.0.1:5432/x .venv/bin/python bench/drift.py

Uses bench/run.py's scratch database (bench/bench.sqlite3, or bench_coproduction on the
PostgreSQL server DATABASE_URL names), built and removed here.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again")
    args = parser.parse_args()
    where, cleanup = run.scratch_database(keep_existing=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")  # as measured so far (DEBUG is off unless set)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from coding.models import Coding, Review
    from coding.reliability.drift import DriftParams, coder_drift

    try:
        if args.reuse:
            review = Review.objects.get(slug="bench")
            print(f"Database: {where} (reused)")
        else:
            call_command("migrate", verbosity=0)
            built = run.build(args.cases)
            review = built["review"]
            # Spread the submissions over half a year, by case, so there are weeks to group.
            start = Coding.objects.order_by("submitted_at").first().submitted_at
            for week in range(26):
                Coding.objects.filter(case__review=review).annotate(
                    m=F("case_id") % 26).filter(m=week).update(
                    submitted_at=start - timedelta(weeks=26 - week))
            print(f"Database: {where}; {built['cases']} cases, {built['codings']} codings, "
                  f"{built['coded_values']} coded values, {built['consensus_values']} "
                  f"consensus values ({built['consensus_cases']} cases with consensus)")
        for params in (DriftParams("week"), DriftParams("window", 20)):
            times = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    drift = coder_drift(review=review, params=params)
                    times.append(time.perf_counter() - began)
            compared = sum(r["values_compared"] for r in drift["rows"])
            print(f"by {params.by:6} n={params.n:<3}: median {statistics.median(times):.2f} s "
                  f"(max {max(times):.2f}), {len(queries.captured_queries)} queries; "
                  f"{len(drift['rows'])} rows, {compared} values compared")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        if not args.keep:
            cleanup()


if __name__ == "__main__":
    main()
