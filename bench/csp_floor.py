"""The per-request floor of the Content-Security-Policy header (issue 22): django-csp's own
middleware, which builds the header on every response, against ours (coding.middleware
.CSPMiddleware), which builds it once per process. See bench/README.md ("The floor").

    .venv/bin/python bench/csp_floor.py --requests 3000

In one process, through Django's test Client (no network, no database): a static file
(whitenoise, `static/css/app.css`) and the sign-in page, `--requests` each per middleware, in
`--rounds` interleaved rounds; prints microseconds per request (median over rounds) and the
time of one `build_policy()` call, with the load average.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MIDDLEWARES = {"django-csp 4.0": "csp.middleware.CSPMiddleware",
               "built once (ours)": "coding.middleware.CSPMiddleware"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
    import django

    django.setup()
    from csp.utils import build_policy
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)  # the sign-in page reads the session table
    urls = {"static file": "/static/css/app.css", "sign-in page": "/accounts/login/"}
    results: dict[tuple[str, str], list[float]] = {}
    headers = set()
    for _ in range(args.rounds):
        for label, path in MIDDLEWARES.items():
            middleware = [path if "CSPMiddleware" in m else m for m in settings.MIDDLEWARE]
            with override_settings(MIDDLEWARE=middleware):
                client = Client()
                for name, url in urls.items():
                    response = client.get(url)
                    assert response.status_code == 200, (url, response.status_code)
                    headers.add(response["Content-Security-Policy"])
                    began = time.perf_counter()
                    for _ in range(args.requests):
                        client.get(url)
                    per = (time.perf_counter() - began) / args.requests
                    results.setdefault((name, label), []).append(per * 1e6)
    assert len(headers) == 1, headers  # the same header either way
    began = time.perf_counter()
    for _ in range(1000):
        build_policy()
    one = (time.perf_counter() - began) / 1000 * 1e6
    print(f"{args.rounds} interleaved rounds of {args.requests} requests per URL and "
          "middleware; µs per request, in-process (Django's test Client)")
    print(f"{'request':15} {'middleware':20} {'median':>8} {'min':>8}")
    for (name, label), values in results.items():
        print(f"{name:15} {label:20} {statistics.median(values):8.0f} {min(values):8.0f}")
    print(f"one build_policy() call: {one:.0f} µs")
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
