"""Benchmark of the reader pages at scale. See bench/README.md.

    .venv/bin/python bench/run.py --cases 10000

Builds a synthetic review in a scratch database (bench/bench.sqlite3, or with DATABASE_URL
set to PostgreSQL a scratch database `bench_coproduction` on the same server, created and
dropped here; the database DATABASE_URL names is never touched): the full coproduction
codebook, two coders per case with submitted codings, consensus values for ~90% of cases.
Then it times the dashboard, the gallery, a case page and the gallery's CSV export with
Django's test Client (server time, no network), counts their queries, and times the bare
SQL the dashboard runs, to give the dashboard's overhead over its own queries.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# BENCH_DATABASE: another name, so that two benchmarks on one server do not drop each other's.
SCRATCH_PG = os.environ.get("BENCH_DATABASE", "bench_coproduction")
SQLITE = ROOT / "bench" / "bench.sqlite3"


def scratch_database(keep_existing: bool) -> tuple[str, callable]:
    """Point DATABASE_URL at a fresh scratch database; return (description, cleanup)."""
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        import psycopg

        admin = urlunparse(parsed._replace(path="/postgres"))

        def run(sql: str) -> None:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(sql)

        if not keep_existing:
            run(f'DROP DATABASE IF EXISTS "{SCRATCH_PG}" WITH (FORCE)')
            run(f'CREATE DATABASE "{SCRATCH_PG}"')
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{SCRATCH_PG}"))

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            run(f'DROP DATABASE IF EXISTS "{SCRATCH_PG}" WITH (FORCE)')

        return f"PostgreSQL, scratch database {SCRATCH_PG}", cleanup
    if url and parsed.scheme != "sqlite":
        raise SystemExit(f"unsupported DATABASE_URL scheme {parsed.scheme!r}")
    if not keep_existing and SQLITE.exists():
        SQLITE.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE}"

    def remove() -> None:
        from django.db import connections

        connections.close_all()
        SQLITE.unlink(missing_ok=True)

    return f"SQLite, {SQLITE.relative_to(ROOT)}", remove


# --- synthetic data -----------------------------------------------------------

COUNTRIES = (["UK"] * 31 + ["Sweden"] * 5 + ["Germany"] * 3 + ["US"] * 3 + [
    "Finland", "Australia", "France", "Brazil", "Netherlands", "Turkey", "Spain", "Norway",
    "Canada", "Serbia", "Japan", "Vietnam", "China", "India", "South Africa", "Kenya",
    "Mexico", "Chile", "Italy", "Denmark", "New Zealand", "Korea"])
AREAS = ["Health care", "Public safety", "General public services", "Social care", "Education",
         "Public health", "High technology", "Childcare", "Budgeting", "Employment",
         "Elder care", "Culture", "Environment", "Public housing", "Tourism",
         "Child and family care", "Immigrant service"]
WHO = ["community", "residents", "patients", "parents"]
WITH = ["council", "clinic", "school", "police"]
BATCH = 5000


def build(n_cases: int, seed: int = 2022) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from coding.models import (
        Assignment,
        Case,
        CodedValue,
        Coding,
        ConsensusValue,
        Membership,
        ServiceArea,
    )
    from coding.regions import region_for_country
    from coding.reviews.importers import codebook_import

    rng = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        book = codebook_import(path=ROOT / "fixtures" / "coproduction_codebook.yaml",
                               review_slug="bench")
        review = book.review
        review.title = f"Synthetic coproduction review ({n_cases} cases)"
        review.is_published = True
        review.save()
        attributes = list(book.codebook.attributes.prefetch_related("options"))
        options = {a.id: list(a.options.all()) for a in attributes}

        User = get_user_model()
        coders = [User(username=f"bench_coder{i}") for i in range(10)]
        for coder in coders:
            coder.set_unusable_password()
        coders = User.objects.bulk_create(coders)
        adjudicator = User.objects.create(username="bench_adjudicator")
        Membership.objects.bulk_create(
            [Membership(review=review, user=c, role="coder") for c in coders]
            + [Membership(review=review, user=adjudicator, role="adjudicator")]
        )
        areas = ServiceArea.objects.bulk_create(
            [ServiceArea(name=name, slug=slugify(name)) for name in AREAS],
            ignore_conflicts=True,
        )
        areas = list(ServiceArea.objects.filter(name__in=AREAS))

        cases = []
        for i in range(1, n_cases + 1):
            country = rng.choice(COUNTRIES)
            cases.append(Case(
                review=review, number=str(i), sort_key=i,
                title=f"Synthetic case {i}: {rng.choice(WHO)} and {rng.choice(WITH)} together",
                country=country, region=region_for_country(country),
                year=None if rng.random() < 0.04 else rng.randint(1990, 2020),
                summary="Synthetic summary. " * 5, source="Synthetic source",
            ))
        cases = Case.objects.bulk_create(cases, batch_size=BATCH)
        through = Case.service_areas.through
        through.objects.bulk_create([
            through(case_id=case.id, servicearea_id=area.id)
            for case in cases for area in rng.sample(areas, 1 if rng.random() < 0.9 else 2)
        ], batch_size=BATCH)

        assignments, codings = [], []
        for case in cases:
            pair = rng.sample(coders, 2)
            for coder in pair:
                assignments.append(Assignment(case=case, coder=coder))
                codings.append(Coding(case=case, coder=coder, codebook=book.codebook,
                                      status="submitted", submitted_at=now))
        Assignment.objects.bulk_create(assignments, batch_size=BATCH)
        codings = Coding.objects.bulk_create(codings, batch_size=BATCH)

        def draw(attribute):
            """A value for one attribute: (fields, chosen options)."""
            if attribute.kind == "single":
                return {}, [rng.choice(options[attribute.id])]
            if attribute.kind == "multi":
                return {}, rng.sample(options[attribute.id], rng.randint(1, 2))
            if attribute.kind == "boolean":
                return {"boolean": rng.random() < 0.5}, []
            return {"text": f"Topic {rng.randint(1, 500)}"}, []

        coded, coded_options = [], []
        by_case: dict[int, dict] = {}
        for coding in codings:
            for attribute in attributes:
                fields, chosen = draw(attribute)
                by_case.setdefault(coding.case_id, {}).setdefault(attribute.id, (fields, chosen))
                coded.append(CodedValue(coding=coding, attribute=attribute,
                                        evidence="A quote from the case.", **fields))
                coded_options.append(chosen)
        coded = CodedValue.objects.bulk_create(coded, batch_size=BATCH)
        CodedValue.options.through.objects.bulk_create([
            CodedValue.options.through(codedvalue_id=value.id, option_id=option.id)
            for value, chosen in zip(coded, coded_options, strict=True) for option in chosen
        ], batch_size=BATCH)

        consensus, consensus_options = [], []
        for case in cases:
            if rng.random() >= 0.9:
                continue  # ~10% of cases are not settled yet
            for attribute in attributes:
                fields, chosen = by_case[case.id][attribute.id]
                adjudicated = rng.random() < 0.2
                consensus.append(ConsensusValue(
                    case=case, attribute=attribute, evidence="A quote from the case.",
                    method="adjudicated" if adjudicated else "agreed",
                    decided_by=adjudicator if adjudicated else None,
                    rationale="Both readings checked against the text." if adjudicated else "",
                    decided_at=now, **fields,
                ))
                consensus_options.append(chosen)
        consensus = ConsensusValue.objects.bulk_create(consensus, batch_size=BATCH)
        ConsensusValue.options.through.objects.bulk_create([
            ConsensusValue.options.through(consensusvalue_id=value.id, option_id=option.id)
            for value, chosen in zip(consensus, consensus_options, strict=True)
            for option in chosen
        ], batch_size=BATCH)
        # Both coders submitted and nothing is open on the settled cases: their consensus is
        # complete, which is what readers see (coding.public.policies).
        Case.objects.filter(
            pk__in=ConsensusValue.objects.filter(case__review=review).values("case_id")
        ).update(consensus_complete=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "review": review, "cases": len(cases), "codings": len(codings),
        "coded_values": len(coded), "consensus_values": len(consensus),
        "consensus_cases": len({v.case_id for v in consensus}),
        "seconds": time.perf_counter() - started,
    }


# --- measuring ------------------------------------------------------------------


DECLARE = re.compile(r'^DECLARE\s+"[^"]+"\s+NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR\s+')


def timed(fn, repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock ms of `repeat` calls after two warm-up calls (template loading, first
    connection); the Django process's CPU ms of each call go to `cpu` if given."""
    fn()
    fn()
    times = []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - start_cpu) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def measure(review, repeat: int, only_dashboard: bool = False) -> list[dict]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    middle = str(max(1, review.cases.count() // 2))
    pages = [
        ("dashboard", reverse("coding:dashboard", args=[review.slug])),
        ("dashboard, country=UK", reverse("coding:dashboard", args=[review.slug])
         + "?country=UK"),
        ("gallery", reverse("coding:gallery", args=[review.slug])),
        ("gallery, filtered", reverse("coding:gallery", args=[review.slug])
         + "?country=UK&citizen_roles=co_deliverer&page=3"),
        ("case page", reverse("coding:case_detail", args=[review.slug, middle])),
        ("gallery CSV export", reverse("coding:export_csv", args=[review.slug])),
    ]
    # The dashboard's data is cached per data version (coding.public.cache): "cold" empties
    # the cache before every request, as the first request after a change finds it.
    pages[1:1] = [("dashboard, cold", pages[0][1])]
    pages[3:3] = [("dashboard, UK, cold", pages[2][1])]
    if only_dashboard:
        pages = [page for page in pages if page[0].startswith("dashboard")]
    results = []
    for name, url in pages:
        cold = name.endswith("cold")
        if cold:
            cache.clear()
        else:
            client.get(url)  # warm: the counted request finds its data cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries = [q["sql"] for q in captured.captured_queries]
        cpu: list[float] = []

        def get(url=url, cold=cold):
            if cold:
                cache.clear()
            answer = client.get(url)
            answer.getvalue()  # a streamed export is timed to its end
            return answer

        times = timed(get, repeat, cpu)
        median, p95 = summary(times)
        row = {"page": name, "url": url, "median": median, "p95": p95,
               "cpu": statistics.median(cpu), "queries": len(queries),
               "bytes": len(response.getvalue())}
        if name.startswith("dashboard") and cold:
            def bare(queries=queries):
                with connection.cursor() as cursor:
                    for sql in queries:
                        # A chunked read on PostgreSQL is a server-side cursor: run its query.
                        cursor.execute(DECLARE.sub("", sql))
                        cursor.fetchall()

            sql_median, sql_p95 = summary(timed(bare, repeat))
            row.update(sql_median=sql_median, sql_p95=sql_p95, ratio=median / sql_median)
        results.append(row)
    return results


def measure_reliability(review) -> dict:
    """One uncached reliability report: reading the codings, then every figure."""
    from coding.reliability.selectors import pair_rows, reliability_data, reliability_rows

    start, start_cpu = time.perf_counter(), time.process_time()
    data = reliability_data(review=review)
    read = time.perf_counter() - start
    rows = reliability_rows(data=data)
    pairs = pair_rows(data=data)
    return {"read": read, "compute": time.perf_counter() - start - read,
            "cpu": time.process_time() - start_cpu, "rows": len(rows), "pairs": len(pairs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10000, help="cases in the review")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch database afterwards (SQLite file, PG database)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure a scratch database kept by an earlier --keep run")
    parser.add_argument(
        "--counts", choices=["kept", "live"], default="kept",
        help="kept (default): the dashboard's precomputed counts are rebuilt after the build "
        "(timed), so the unfiltered dashboard reads them; live: they are deleted, so every "
        "dashboard runs the live aggregate queries (as before coding.public.counts)")
    parser.add_argument("--only-dashboard", action="store_true",
                        help="measure the dashboard pages only (no gallery, export, reliability)")
    args = parser.parse_args()

    where, cleanup = scratch_database(keep_existing=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")  # static files without a collectstatic manifest
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from coding.models import Review

    try:
        if args.reuse:
            review = Review.objects.get(slug="bench")
            print(f"Database: {where} (reused)")
        else:
            call_command("migrate", verbosity=0)
            built = build(args.cases)
            review = built["review"]
            print(f"Database: {where}")
            print(f"Built in {built['seconds']:.1f} s: {built['cases']} cases, "
                  f"{built['codings']} codings, {built['coded_values']} coded values, "
                  f"{built['consensus_values']} consensus values "
                  f"({built['consensus_cases']} cases with consensus)")
        from coding.models import DashboardCaseCounts, DashboardCount
        from coding.public.counts import dashboard_counts_rebuild

        if args.counts == "kept":
            start = time.perf_counter()
            dashboard_counts_rebuild(review)
            print(f"Dashboard counts rebuilt in {time.perf_counter() - start:.1f} s "
                  f"({DashboardCount.objects.filter(review=review).count()} rows)")
        else:
            DashboardCount.objects.filter(review=review).delete()
            DashboardCaseCounts.objects.filter(review=review).delete()
            print("Dashboard counts deleted: every dashboard runs the live queries")
        # Time pages as production runs them: no template debug, no query log.
        settings.DEBUG = False
        results = measure(review, args.repeat, args.only_dashboard)
        reliability = None if args.only_dashboard else measure_reliability(review)
    finally:
        if not args.keep:
            cleanup()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{args.repeat} timed requests per page (after 2 warm-up requests); server time "
          f"in ms through Django's test Client; {os.cpu_count()} CPUs, load average {load}")
    print("cpu = CPU time of the Django process alone (Python; with SQLite also the queries)")
    from django.conf import settings as django_settings

    print(f"cache: {django_settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
          "dashboard rows without 'cold' are served from it (warm)")
    print(f"{'page':<24}{'median':>9}{'p95':>9}{'cpu':>9}{'queries':>9}")
    for row in results:
        print(f"{row['page']:<24}{row['median']:>9.1f}{row['p95']:>9.1f}{row['cpu']:>9.1f}"
              f"{row['queries']:>9}")
    if reliability is not None:
        print(f"reliability report from the database (read {reliability['read']:.2f} s, "
              f"compute {reliability['compute']:.2f} s, CPU {reliability['cpu']:.2f} s; "
              f"{reliability['rows']} rows, {reliability['pairs']} pair rows)")
    for row in results:
        if "ratio" in row:
            print(f"{row['page']}: its {row['queries']} queries run bare take "
                  f"{row['sql_median']:.1f} ms median (p95 {row['sql_p95']:.1f}); page / bare "
                  f"SQL = {row['ratio']:.2f}")


if __name__ == "__main__":
    main()
