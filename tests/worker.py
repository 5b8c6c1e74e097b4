"""The background worker, played by a browser test."""

import io

from django.core.management import call_command


def run_queued_tasks(page) -> None:
    """What `manage.py db_worker` (started by `make run`) does, until the queue is empty.

    Only once `page` has loaded and its requests are answered: on SQLite the test database
    is in memory with a shared cache, where a request reading a table the worker is writing
    fails at once ("database table is locked") rather than waiting, and a page whose
    translation catalogue failed to load never polls its status again."""
    page.wait_for_load_state("networkidle")
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 stdout=io.StringIO())
