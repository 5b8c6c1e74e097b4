"""Build bench/run.py's synthetic review (slug "bench") of N cases in the database that
DATABASE_URL names, unless it is already there with N cases; for bench/loadtest.sh.

    DATABASE_URL=postgresql://... .venv/bin/python bench/build_review.py 10000
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402


def main() -> None:
    n = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")  # as measured so far (DEBUG is off unless set)
    import django

    django.setup()
    from coding.models import Review

    review = Review.objects.filter(slug="bench").first()
    if review is not None and review.cases.count() == n:
        print(f"review 'bench' has {n} cases already")
        return
    if review is not None:
        review.delete()
    built = run.build(n)
    print(f"review 'bench': {built['cases']} cases built in {built['seconds']:.0f} s")


if __name__ == "__main__":
    main()
