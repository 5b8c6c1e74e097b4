"""The command-line exports against the gallery's HTTP export of the same review (issue 22,
"one export path"). See bench/README.md ("Exports: commands and pages").

    DATABASE_URL=postgresql://... .venv/bin/python bench/exports.py --cases 10000 [--before]

Builds bench/run.py's synthetic review in a scratch database of its own
(bench/exports.sqlite3, or with DATABASE_URL set to PostgreSQL the database `bench_exports` on
that server, created and dropped here). Then, `--repeat` times, interleaved (one of each per
round, so a busy spell of the shared machine falls on all of them alike), it times to the
last byte:

- the page exports export.csv, export.json and export.xlsx of every case, through Django's
  test Client as an anonymous reader (server time, no network);
- the commands export_consensus, export_codings and export_cases, to a file in a temporary
  folder, as CSV and with --format xlsx;
- the replication package (`reliability/package.zip`) as a lead downloads it: the app's HTTP
  export holding every coding (its codings.csv, written by export_codings' function);
- with --before, in the first round only, export_consensus and export_codings as they were before
  they read tuples (tests/public/command_export_reference.py, the former code verbatim).

Reports per export the median wall time, the median CPU time of this process (with
PostgreSQL the queries' CPU is the server's, not counted), the rows written and the time
per 1,000 rows, the ratio to export.csv's time, and the load average before and after.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: scratch database, synthetic review)

run.SCRATCH_PG = "bench_exports"
run.SQLITE = run.ROOT / "bench" / "exports.sqlite3"


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def jobs(review, folder: Path, before: bool) -> list[tuple[str, callable]]:
    """(name, a call returning the rows written) for every export timed."""
    from django.core.management import call_command
    from django.test import Client

    from tests.public import command_export_reference as former

    client = Client()

    def page(suffix: str):
        def get() -> int:
            response = client.get(f"/reviews/{review.slug}/export.{suffix}")
            assert response.status_code == 200, response.status_code
            size = sum(len(piece) for piece in response.streaming_content)
            assert size > 0
            return review.cases.count()
        return get

    from django.contrib.auth import get_user_model

    from coding.models import Membership

    lead, _ = get_user_model().objects.get_or_create(username="bench_lead")
    Membership.objects.get_or_create(review=review, user=lead, role="lead")
    lead_client = Client()
    lead_client.force_login(lead)
    package_rows: list[int] = []

    def package() -> int:
        """The replication package over HTTP (a lead's download): its codings.csv is written
        by the function export_codings writes with (codings_table), beside the review's other
        files; the rows given are codings.csv's, counted once outside the timing."""
        response = lead_client.get(f"/reviews/{review.slug}/reliability/package.zip")
        assert response.status_code == 200, response.status_code
        body = b"".join(response.streaming_content)
        if not package_rows:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                name = next(n for n in archive.namelist() if n.endswith("codings.csv"))
                package_rows.append(archive.read(name).count(b"\n") - 1)
        return package_rows[0]

    def command(name: str, *args: str):
        def export() -> int:
            path = folder / f"{name}{'-'.join(args)}.out"
            err = _Err()
            call_command(name, "--review", review.slug, "--output", str(path), *args,
                         stderr=err)
            return int(err.text.split()[0])
        return export

    def old(function):
        def export() -> int:
            with open(folder / "former.csv", "w", encoding="utf-8", newline="") as out:
                return function(review=review, out=out)
        return export

    found = [
        ("page export.csv", page("csv")),
        ("page export.json", page("json")),
        ("page export.xlsx", page("xlsx")),
        ("export_consensus", command("export_consensus")),
        ("export_codings", command("export_codings")),
        ("export_cases", command("export_cases")),
        ("export_consensus xlsx", command("export_consensus", "--format", "xlsx")),
        ("export_codings xlsx", command("export_codings", "--format", "xlsx")),
        ("page package.zip", package),
    ]
    if before:
        found += [("export_consensus (before)", old(former.consensus_export)),
                  ("export_codings (before)", old(former.codings_export))]
    return found


class _Err:
    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def measure(review, repeat: int, before: bool) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        found = jobs(review, Path(folder), before)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in found}
        rows: dict[str, int] = {}
        for name, job in found:  # one warm-up each (imports, templates, the cache)
            if "(before)" not in name:
                job()
        for round_ in range(repeat):
            for name, job in found:
                if "(before)" in name and round_:
                    continue  # the former code is slow: timed in the first round only
                wall, cpu = time.perf_counter(), time.process_time()
                rows[name] = job()
                times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return [{"export": name, "rows": rows[name],
             "wall": statistics.median(w for w, _ in times[name]),
             "cpu": statistics.median(c for _, c in times[name]),
             "runs": len(times[name])} for name, _ in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of timed exports")
    parser.add_argument("--before", action="store_true",
                        help="also time the former implementations of the two commands")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true",
                        help="measure a scratch database kept by an earlier --keep run")
    args = parser.parse_args()

    where, cleanup = run.scratch_database(keep_existing=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")
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
            built = run.build(args.cases)
            review = built["review"]
            print(f"Database: {where}")
            print(f"Built in {built['seconds']:.1f} s: {built['cases']} cases, "
                  f"{built['coded_values']} coded values, "
                  f"{built['consensus_values']} consensus values")
        # The replication package serves an up-to-date snapshot's figures only.
        from coding.reliability.services import (
            reliability_snapshot_compute,
            reliability_snapshot_request,
        )

        snapshot = reliability_snapshot_request(review=review)
        reliability_snapshot_compute(snapshot_id=snapshot.pk)
        settings.DEBUG = False
        started = load()
        results = measure(review, args.repeat, args.before)
        ended = load()
    finally:
        if not args.keep:
            cleanup()
    base = next(r for r in results if r["export"] == "page export.csv")
    print(f"\n{args.repeat} interleaved rounds after one warm-up ((before): no warm-up); "
          f"{os.cpu_count()} CPUs, load average {started} at the start, {ended} at the end")
    print("wall and cpu: medians in s (cpu: this process only); per 1k: wall ms per 1,000 "
          "rows; ratio: wall / export.csv's wall")
    print(f"{'export':<27}{'rows':>8}{'wall':>8}{'cpu':>8}{'per 1k':>8}{'ratio':>7}"
          f"{'runs':>5}")
    for row in results:
        per = 1000 * row["wall"] / row["rows"] * 1000 if row["rows"] else 0
        print(f"{row['export']:<27}{row['rows']:>8}{row['wall']:>8.2f}{row['cpu']:>8.2f}"
              f"{per:>8.1f}{row['wall'] / base['wall']:>7.2f}{row['runs']:>5}")


if __name__ == "__main__":
    main()
