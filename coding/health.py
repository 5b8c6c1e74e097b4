"""Is this app server fit to take requests? The checks behind `/health/` (coding/web/health.py),
each a plain function that returns None when healthy or a short reason when not. Reasons name
the failing part and the kind of error, never a host, a password or an exception's text
(which may quote a connection string)."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Min, Q
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend


def _error(exception: BaseException) -> str:
    return type(exception).__name__


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means the database cannot serve requests
        return f"unreachable ({_error(error)})"
    return None


def check_cache() -> str | None:
    """A value written to the cache reads back (Redis, file or memory, as configured)."""
    key, value = "health:" + secrets.token_hex(8), secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=30)
        read = cache.get(key)
        cache.delete(key)
    except Exception as error:
        return f"unreachable ({_error(error)})"
    return None if read == value else "a value written could not be read back"


def _db_tasks():
    """The queue table, when the task backend is django-tasks-db (else None: no worker)."""
    if not isinstance(task_backends["default"], DatabaseBackend):
        return None
    from django_tasks_db.models import DBTaskResult, get_date_max

    return DBTaskResult.objects.filter(backend_name="default"), get_date_max()


def _no_delay(date_max: datetime) -> Q:
    return Q(run_after=date_max)


def _oldest_waiting(queryset, date_max: datetime) -> datetime | None:
    """Since when the longest-waiting ready task has been runnable: its enqueue time, or for
    a task delayed on purpose, the time it was due."""
    ready = queryset.ready()
    times = ready.aggregate(
        queued=Min("enqueued_at", filter=_no_delay(date_max)),
        due=Min("run_after", filter=~_no_delay(date_max)),
    )
    found = [moment for moment in times.values() if moment is not None]
    return min(found) if found else None


def check_worker(*, now: datetime | None = None) -> str | None:
    """The worker's heartbeat is the queue itself: while tasks wait, some task must have been
    taken (started) within HEALTH_WORKER_SILENCE_SECONDS. An idle worker with nothing to do
    and a stopped one look alike until a task is queued; nothing waits on either."""
    tasks = _db_tasks()
    if tasks is None:
        return None
    queryset, date_max = tasks
    now = now or timezone.now()
    silence = timedelta(seconds=settings.HEALTH_WORKER_SILENCE_SECONDS)
    oldest = _oldest_waiting(queryset, date_max)
    if oldest is None or now - oldest <= silence:
        return None
    last_start = queryset.aggregate(last=Max("started_at"))["last"]
    if last_start is not None and now - last_start <= silence:
        return None
    since = "never" if last_start is None else f"{int((now - last_start).total_seconds())} s ago"
    return (
        f"no task taken from the queue for over {int(silence.total_seconds())} s while tasks "
        f"wait (last taken: {since}); is `manage.py db_worker` running?"
    )


def check_queue(*, now: datetime | None = None) -> str | None:
    """The oldest ready task has waited no longer than HEALTH_QUEUE_MAX_AGE_SECONDS: the
    worker keeps up."""
    tasks = _db_tasks()
    if tasks is None:
        return None
    queryset, date_max = tasks
    now = now or timezone.now()
    oldest = _oldest_waiting(queryset, date_max)
    limit = settings.HEALTH_QUEUE_MAX_AGE_SECONDS
    if oldest is None or (now - oldest).total_seconds() <= limit:
        return None
    waiting = queryset.ready().count()
    running = queryset.filter(status=TaskResultStatus.RUNNING).count()
    return (
        f"the oldest of {waiting} waiting task(s) has waited "
        f"{int((now - oldest).total_seconds())} s (limit {limit} s; {running} running)"
    )


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "worker": check_worker,
    "queue": check_queue,
}


def health_report() -> dict[str, str]:
    """{check: "ok" or the reason it failed}; the queue checks are skipped (as ok) when the
    database itself failed, since they read it."""
    report = {}
    for name, check in CHECKS.items():
        if name in ("worker", "queue") and report.get("database") != "ok":
            report[name] = "not checked (database unreachable)"
            continue
        try:
            problem = check()
        except Exception as error:
            problem = f"check failed ({_error(error)})"
        report[name] = problem or "ok"
    return report
