"""`manage.py db_worker`: django-tasks-db's worker, which first recovers the background jobs
that an earlier worker left unfinished (coding.background.background_jobs_recover): import
jobs left checking or importing are failed with a message, lost text extractions and
reliability snapshots are queued again. A worker that stays (not --batch) also queues the
periodic recovery (coding.background.recovery_schedule).

Its worker also survives a database connection that drops (a restart, a failover, an idle
timeout): between tasks CONN_HEALTH_CHECKS replaces the connection, and a connection lost in
the middle of a task fails that task, on a new connection, instead of ending the worker."""

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker as base
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from coding.background import background_jobs_recover, recovery_schedule

logger = logging.getLogger(__name__)


# A dropped connection surfaces as one of these, from the task or from the worker's own query.
CONNECTION_ERRORS = (OperationalError, InterfaceError)


class ReconnectingWorker(base.Worker):
    """django-tasks-db's worker, which exits on any database error outside a task and when
    recording a task's failure fails (as it does when the task's connection was dropped)."""

    def run(self) -> None:
        while True:
            try:
                return super().run()
            except CONNECTION_ERRORS:
                if not self.running:
                    raise
                logger.exception("The worker lost its database connection; reconnecting")
                connections.close_all()
                time.sleep(max(self.interval, 1.0))

    def run_task(self, db_task_result) -> None:
        try:
            super().run_task(db_task_result)
        except CONNECTION_ERRORS as error:
            # The task's connection dropped, so recording its failure failed too: record it
            # on a new connection (should that fail as well, run() reconnects and goes on).
            logger.exception("Task id=%s lost its database connection", db_task_result.id)
            connections.close_all()
            db_task_result.set_failed(error)


class Command(DatabaseWorkerCommand):
    help = DatabaseWorkerCommand.help + " (recovering unfinished jobs first)"

    def handle(self, *args, **options):
        try:
            counts = background_jobs_recover()
            if not options.get("batch"):  # a worker that stays: recover again from time to time
                recovery_schedule()
        except Exception:  # noqa: BLE001 - the worker still runs what is queued
            logger.exception("Could not recover unfinished background jobs")
        else:
            if options.get("verbosity", 1) and any(counts.values()):
                self.stdout.write(_summary(counts))
        # The base command builds its worker from the module's `Worker`; ours reconnects.
        base.Worker = ReconnectingWorker
        return super().handle(*args, **options)


def _summary(counts: dict[str, int]) -> str:
    return (f"Recovered unfinished jobs: {counts['imports_failed']} import(s) failed, "
            f"{counts['extractions_queued']} text extraction(s) and "
            f"{counts['snapshots_queued']} reliability snapshot(s) queued again; "
            f"{counts['releases_queued']} release request(s) queued again, "
            f"{counts['releases_failed']} failed.")
