"""The background worker, played by a browser test."""

import io

from django.core.management import call_command


def run_queued_tasks(page) -> None:
    """What `manage.py db_worker` (started by `make run`) does, until the queue is empty.

    Only once `page` has loaded and its requests are answered, and with the page's requests
    held until the worker is done: on SQLite the test database is in memory with a shared
    cache, where a request reading a table the worker is writing fails at once ("database
    table is locked") rather than waiting as a file database does, and a page whose
    translation catalogue failed to load never polls its status again. (A page that polled
    during a reliability snapshot once got that 500 in CI.) The page's polls and reloads meet
    the route below, whose handler runs only when this thread next talks to the browser:
    after the worker."""
    page.wait_for_load_state("networkidle")

    def hold(route):
        route.fallback()

    page.route("**/*", hold)
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                     stdout=io.StringIO())
    finally:
        page.wait_for_timeout(50)  # the held requests go on now
        page.unroute("**/*", hold)
