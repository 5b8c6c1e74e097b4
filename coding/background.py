"""Background jobs that always end: finding the tasks still in hand, and recovering the jobs
whose task was lost (its worker stopped, or the task never reached the queue).

`background_jobs_recover` fails import jobs left checking or importing, queues again
lost text extractions and reliability snapshots, and queues again or fails lost release
requests. The worker runs it when it starts
(coding/management/commands/db_worker.py) and then every BACKGROUND_RECOVERY_MINUTES as a
task of its own (`recover_background_jobs_task`, queued to run after that delay, once however
many workers there are); `manage.py recover_background_jobs` runs it on demand. No page or
API request does, so a GET never writes.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)


def tasks_in_hand(task_path: str, key: str, *, running_for_at_most: timedelta) -> set | None:
    """The values of keyword argument `key` of the queued tasks of `task_path`, and of those
    running for less than `running_for_at_most` (longer: their worker is taken as gone).
    None when the tasks backend keeps no queue table to look in."""
    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return None
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    since = timezone.now() - running_for_at_most
    rows = DBTaskResult.objects.filter(task_path=task_path).filter(
        status=TaskResultStatus.READY
    ) | DBTaskResult.objects.filter(
        task_path=task_path, status=TaskResultStatus.RUNNING, started_at__gte=since
    )
    return {
        (args_kwargs.get("kwargs") or {}).get(key)
        for args_kwargs in rows.values_list("args_kwargs", flat=True)
    }


def background_jobs_recover() -> dict[str, int]:
    """Recover every kind of background job; how many of each were failed or queued again."""
    from coding.documents.services import documents_text_requeue_lost
    from coding.imports.services import import_jobs_fail_stuck
    from coding.releases.services import release_jobs_recover
    from coding.reliability.services import reliability_snapshots_recover

    counts = {
        "imports_failed": import_jobs_fail_stuck(),
        "extractions_queued": documents_text_requeue_lost(),
        "snapshots_queued": reliability_snapshots_recover(),
    }
    releases = release_jobs_recover()
    counts["releases_queued"], counts["releases_failed"] = releases["queued"], releases["failed"]
    if any(counts.values()):
        log.warning("Background jobs recovered: %s", counts)
    return counts


RECOVERY_TASK = "coding.background.recover_background_jobs_task"


@task()
def recover_background_jobs_task() -> dict[str, int]:
    """The periodic recovery: recover, then queue the next one."""
    counts = background_jobs_recover()
    recovery_schedule()
    return counts


def recovery_schedule() -> bool:
    """Queue the next periodic recovery, BACKGROUND_RECOVERY_MINUTES from now, unless one is
    queued already (each worker starting asks; one is kept) or the setting is 0."""
    minutes = settings.BACKGROUND_RECOVERY_MINUTES
    if not minutes:
        return False
    queued = tasks_in_hand(RECOVERY_TASK, "", running_for_at_most=timedelta(0))
    # Without a queue table a deferred task cannot wait (an immediate backend would run it
    # at once, for ever); with one, a queued recovery is enough.
    if queued is None or queued:
        return False
    recover_background_jobs_task.using(
        run_after=timezone.now() + timedelta(minutes=minutes)).enqueue()
    return True
