"""Benchmark of the reliability page, its status poll and the API's figures and drift, the first
views after a coding change (issue 22), and of the background snapshot that serves them. See
bench/README.md ("Reliability page after a change").

    .venv/bin/python bench/reliability_page.py --cases 1000
    DATABASE_URL=postgresql://coproduction@127.0.0.1:5432/x BENCH_DATABASE=bench_x \
      .venv/bin/python bench/reliability_page.py --cases 10000

Uses bench/run.py's synthetic review in its scratch database (built and removed here). Steps:
1. the background snapshot of the review (figures and coder drift), as the worker computes it:
   seconds and the peak memory Python allocated for it (tracemalloc);
2. a coding change (a lead reopens a submitted coding of a complete case: the review's
   reliability version is bumped and a snapshot queued, which no worker runs here);
3. `--repeat` rounds of: the page, the status poll, the API's figures and its drift, each
   timed through Django's test Client as a lead, with its number of queries; every view
   after the change is a "first view after a change" (the state does not change by looking).
For comparison, the live coder drift (what the page computed in each request before issue 22)
is timed once.
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again")
    parser.add_argument("--no-memory", action="store_true",
                        help="time the snapshot without tracemalloc (which slows it)")
    args = parser.parse_args()
    where, cleanup = run.scratch_database(keep_existing=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")  # as measured so far (DEBUG is off unless set)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coding.codings.services import coding_reopen
    from coding.models import Coding, CodingStatus, Membership, Review
    from coding.reliability.drift import coder_drift
    from coding.reliability.services import (
        reliability_snapshot_compute,
        reliability_snapshot_request,
    )

    try:
        if args.reuse:
            review = Review.objects.get(slug="bench")
            print(f"Database: {where} (reused)")
        else:
            call_command("migrate", verbosity=0)
            built = run.build(args.cases)
            review = built["review"]
            print(f"Database: {where}; built in {built['seconds']:.0f} s: {built['cases']} "
                  f"cases, {built['codings']} codings, {built['coded_values']} coded values")
        lead, _ = get_user_model().objects.get_or_create(username="bench_lead")
        Membership.objects.get_or_create(review=review, user=lead, role="lead")

        # 1. The background snapshot, as the worker computes it.
        snapshot = reliability_snapshot_request(review=review)
        if not args.no_memory:
            tracemalloc.start()
        began = time.perf_counter()
        reliability_snapshot_compute(snapshot_id=snapshot.pk)
        seconds = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if not args.no_memory else None
        tracemalloc.stop()
        snapshot.refresh_from_db()
        assert snapshot.status == "ready", snapshot.error
        memory = f", Python peak {peak:.0f} MB (tracemalloc)" if peak is not None else ""
        print(f"snapshot (figures and drift) computed in {seconds:.1f} s{memory}; "
              f"{len(snapshot.report['rows'])} rows, "
              f"{len(snapshot.drift['week']['rows'])} weekly drift rows")

        # 2. A coding change: a lead reopens a submitted coding of a complete case.
        coding = Coding.objects.filter(case__review=review, status=CodingStatus.SUBMITTED,
                                       case__consensus_complete=True).first()
        coding_reopen(coding=coding, user=lead, reason="bench")
        review.refresh_from_db()
        print(f"after the change: reliability version {review.reliability_version}, "
              f"latest snapshot of version {snapshot.version}")

        # 3. The first views after the change.
        client = Client()
        client.force_login(lead)
        urls = {
            "reliability page": f"/reviews/{review.slug}/reliability/",
            "page, drift by windows of 7": f"/reviews/{review.slug}/reliability/?drift=window&n=7",
            "status poll": f"/reviews/{review.slug}/reliability/status/",
            "API figures": f"/api/reviews/{review.slug}/reliability/",
            "API drift": f"/api/reviews/{review.slug}/reliability/drift/",
        }
        times: dict[str, list[float]] = {name: [] for name in urls}
        queries: dict[str, int] = {}
        for url in urls.values():  # warm-up
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        status = client.get(urls["status poll"]).json()["status"]
        for _ in range(args.repeat):
            for name, url in urls.items():  # interleaved
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    client.get(url)
                    times[name].append(time.perf_counter() - began)
                queries[name] = len(captured.captured_queries)
        print(f"{args.repeat} rounds after the change (status {status!r}), server time in ms "
              "through Django's test Client")
        print(f"{'view':30} {'median':>8} {'p95':>8} {'queries':>8}")
        for name, values in times.items():
            values.sort()
            p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
            print(f"{name:30} {statistics.median(values) * 1000:8.1f} {p95 * 1000:8.1f} "
                  f"{queries[name]:8}")
        began = time.perf_counter()
        coder_drift(review=review)
        print(f"live coder drift (in the request before issue 22): "
              f"{time.perf_counter() - began:.2f} s")
        load = os.getloadavg()
        print(f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on "
              f"{os.cpu_count()} CPUs")
    finally:
        if not args.keep:
            cleanup()


if __name__ == "__main__":
    main()
