"""Benchmark of the importers at scale. See bench/README.md ("Imports").

    .venv/bin/python bench/imports.py                       # SQLite: bench/bench_imports.sqlite3
    DATABASE_URL=postgresql://USER@127.0.0.1:5432/ANY .venv/bin/python bench/imports.py

Writes a cases CSV (default 100,000 cases) and a codings CSV (default 250,000 coded-value
rows: two coders per case, every attribute of the coproduction codebook) into a temporary
folder, then times `import_cases` and `import_codings` on a scratch database (SQLite file
bench/bench_imports.sqlite3, or on PostgreSQL a database `bench_imports` created and dropped
here; the database DATABASE_URL names is never touched), each once into an empty review
and once more unchanged. Target: each first import within 60 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH_PG = "bench_imports"
SQLITE = ROOT / "bench" / "bench_imports.sqlite3"
COUNTRIES = ["UK", "Sweden", "Germany", "US", "Finland", "Japan", "Brazil", "Kenya"]
AREAS = ["Health care", "Public safety", "Education", "Social care", "Childcare"]


def scratch_database() -> tuple[str, callable]:
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        import psycopg

        admin = urlunparse(parsed._replace(path="/postgres"))

        def run(sql: str) -> None:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(sql)

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
    SQLITE.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE}"

    def remove() -> None:
        from django.db import connections

        connections.close_all()
        SQLITE.unlink(missing_ok=True)

    return f"SQLite, {SQLITE.relative_to(ROOT)}", remove


def write_cases(path: Path, n: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["number", "title", "country", "year", "service_area", "summary",
                         "source"])
        for i in range(1, n + 1):
            writer.writerow([
                str(i), f"Case study {i}: residents and the council", rng.choice(COUNTRIES),
                rng.choice(["", str(rng.randint(1990, 2022))]),
                ";".join(rng.sample(AREAS, rng.randint(0, 2))),
                "Residents and the council ran the service together. " * 3,
                f"https://example.org/case/{i}",
            ])


def write_codings(path: Path, n_values: int, codebook, rng: random.Random) -> int:
    """Two coders per case, one row per attribute; returns the number of cases used."""
    attributes = list(codebook.attributes.prefetch_related("options"))
    per_case = 2 * len(attributes)
    n_cases = -(-n_values // per_case)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["case", "coder", "attribute", "value"])
        for case in range(1, n_cases + 1):
            for coder in (f"coder{case % 7}", f"coder{case % 7 + 7}"):
                for attribute in attributes:
                    if written == n_values:
                        return n_cases
                    keys = [o.key for o in attribute.options.all() if not o.is_none]
                    none = [o.key for o in attribute.options.all() if o.is_none]
                    if attribute.kind == "single":
                        value = rng.choice(keys)
                    elif attribute.kind == "multi" and none and rng.random() < 0.1:
                        value = none[0]  # the explicit "none of these", never with others
                    elif attribute.kind == "multi":
                        value = ";".join(rng.sample(keys, rng.randint(0, min(2, len(keys)))))
                    elif attribute.kind == "boolean":
                        value = rng.choice(["yes", "no", ""])
                    elif attribute.kind == "number":
                        value = str(rng.randint(0, 500))
                    else:
                        value = rng.choice(["Meals on wheels", "Community garden", ""])
                    writer.writerow([str(case), coder, attribute.key, value])
                    written += 1
    return n_cases


def timed(label: str, function) -> float:
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:7.1f} s   {result}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--values", type=int, default=250_000)
    args = parser.parse_args()
    description, cleanup = scratch_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    # As in production: DEBUG off (no query log), so a throwaway secret key.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from django.core.management import call_command

    from coding.codings.transfer import codings_import
    from coding.reviews.importers import cases_import, codebook_import

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(12)
        print(f"Database: {description}; {os.cpu_count()} CPUs, load average "
              f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
        with tempfile.TemporaryDirectory() as folder:
            cases_csv, codings_csv = Path(folder) / "cases.csv", Path(folder) / "codings.csv"
            write_cases(cases_csv, args.cases, rng)
            book = codebook_import(path=ROOT / "fixtures" / "coproduction_codebook.yaml",
                                   review_slug="bench")
            seconds = timed(f"import_cases, {args.cases:,} new cases", lambda: _cases(
                cases_import(path=cases_csv, review_slug="bench")))
            timed(f"import_cases again, {args.cases:,} unchanged", lambda: _cases(
                cases_import(path=cases_csv, review_slug="bench")))
            n_cases = write_codings(codings_csv, args.values, book.codebook, rng)
            seconds_codings = timed(
                f"import_codings, {args.values:,} rows ({n_cases:,} cases)",
                lambda: _codings(codings_import(path=codings_csv, review_slug="bench")))
            timed(f"import_codings again, {args.values:,} unchanged", lambda: _codings(
                codings_import(path=codings_csv, review_slug="bench")))
        verdict = "met" if max(seconds, seconds_codings) <= 60 else "NOT met"
        print(f"Target (each first import <= 60 s): {verdict}")
    finally:
        cleanup()


def _cases(result) -> str:
    return f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"


def _codings(result) -> str:
    return (f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged;"
            f" {result.compared_cases} cases compared, {result.open_disagreements} open "
            "disagreements")


if __name__ == "__main__":
    main()
