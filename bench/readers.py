"""Reader surfaces at scale: cold and warm, as issue 13 asks. See bench/README.md.

    .venv/bin/python bench/readers.py --cases 1000 10000 50000

For each size, builds the synthetic review of bench/run.py in a scratch database of its own
(bench/readers.sqlite3, or with DATABASE_URL set to PostgreSQL the database `bench_readers`
on that server, created and dropped here), then times with Django's test Client as an
anonymous reader (server time, no network):

- cold: the cache emptied before every request (the first reader after a change);
- warm: the next reader of the same URL and data version (served from the page cache);
- 304: a repeat visit sending the ETag back;

for the dashboard, the gallery, a case page, the API case list of 5 and of 100 with
consensus, one chart's CSV, and the streaming CSV and JSON exports (time and the peak of
Python memory allocated while streaming, by tracemalloc).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: scratch database, synthetic review, timing)

run.SCRATCH_PG = "bench_readers"
run.SQLITE = run.ROOT / "bench" / "readers.sqlite3"


def pages(review) -> list[tuple[str, str]]:
    from django.urls import reverse

    middle = str(max(1, review.cases.count() // 2))
    api = f"/api/reviews/{review.slug}/cases/?include=consensus&page_size="
    return [
        ("dashboard", reverse("coding:dashboard", args=[review.slug])),
        ("gallery", reverse("coding:gallery", args=[review.slug])),
        ("case page", reverse("coding:case_detail", args=[review.slug, middle])),
        ("API list of 5", api + "5"),
        ("API list of 100", api + "100"),
        ("chart CSV (region)", reverse("coding:dashboard_csv", args=[review.slug, "region"])),
    ]


def measure(review, repeat: int, cold_repeat: int) -> list[dict]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    client = Client()
    rows = []

    def counted(url) -> tuple:
        executed = []

        def count(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        return response, executed

    for name, url in pages(review):
        cache.clear()
        first, cold_queries = counted(url)
        assert first.status_code == 200, (url, first.status_code)
        _, warm_queries = counted(url)
        etag = first["ETag"]

        def cold(url=url):
            cache.clear()
            return client.get(url)

        cold_times = run.timed(cold, cold_repeat)
        client.get(url)
        warm_times = run.timed(lambda url=url: client.get(url), repeat)
        not_modified = run.timed(
            lambda url=url, etag=etag: client.get(url, HTTP_IF_NONE_MATCH=etag), repeat)
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        rows.append({
            "page": name, "cold": statistics.median(cold_times),
            "warm": statistics.median(warm_times), "304": statistics.median(not_modified),
            "cold_queries": len(cold_queries), "warm_queries": len(warm_queries),
            "bytes": len(first.content),
        })
    return rows


def measure_exports(review, repeat: int) -> list[dict]:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    rows = []
    for name in ("export_csv", "export_json"):
        url = reverse(f"coding:{name}", args=[review.slug])
        times, peaks, size = [], [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(url)
            size = sum(len(chunk) for chunk in response.streaming_content)
            times.append((time.perf_counter() - start) * 1000)
        # Memory in a pass of its own: tracing allocations slows Python several times.
        tracemalloc.start()
        response = client.get(url)
        for _chunk in response.streaming_content:
            pass
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
        rows.append({"export": name.replace("_", "."), "ms": statistics.median(times),
                     "peak_mb": max(peaks), "mb": size / 2**20})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=20, help="timed warm requests")
    parser.add_argument("--cold-repeat", type=int, default=5, help="timed cold requests")
    parser.add_argument("--export-repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")  # static files without a collectstatic manifest
    original_url = os.environ.get("DATABASE_URL", "")
    for n in args.cases:
        if original_url:
            os.environ["DATABASE_URL"] = original_url
        else:
            os.environ.pop("DATABASE_URL", None)
        where, cleanup = run.scratch_database(keep_existing=False)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        connections.close_all()  # the scratch database was made again under the same name
        try:
            call_command("migrate", verbosity=0)
            built = run.build(n)
            settings.DEBUG = False
            results = measure(built["review"], args.repeat, args.cold_repeat)
            exports = measure_exports(built["review"], args.export_repeat)
        finally:
            cleanup()
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(f"\n## {n} cases ({where}; built in {built['seconds']:.0f} s; cache {backend}; "
              f"{os.cpu_count()} CPUs, load average {load})")
        print("| surface | cold ms | warm ms | 304 ms | queries cold / warm | KB |")
        print("|---|---:|---:|---:|---:|---:|")
        for row in results:
            print(f"| {row['page']} | {row['cold']:.1f} | {row['warm']:.1f} | {row['304']:.1f}"
                  f" | {row['cold_queries']} / {row['warm_queries']} | {row['bytes'] / 1024:.0f} |")
        for row in exports:
            print(f"| {row['export']} (streamed, {row['mb']:.1f} MB) | {row['ms']:.0f} | | | "
                  f"peak Python memory {row['peak_mb']:.1f} MB | |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
