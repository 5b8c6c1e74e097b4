"""A task for tests/test_db_faults.py: it waits inside the database, so that its connection
can be dropped in the middle of a task."""

from django.db import connection
from django_tasks import task


@task()
def wait_in_database(seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])
