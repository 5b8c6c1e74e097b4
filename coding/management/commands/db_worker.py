"""`manage.py db_worker`: django-tasks-db's worker, which first recovers the background jobs
that an earlier worker left unfinished (coding.background.background_jobs_recover): import
jobs left checking or importing are failed with a message, lost text extractions and
reliability snapshots are queued again. A worker that stays (not --batch) also queues the
periodic recovery (coding.background.recovery_schedule)."""

import logging

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from coding.background import background_jobs_recover, recovery_schedule

logger = logging.getLogger(__name__)


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
        return super().handle(*args, **options)


def _summary(counts: dict[str, int]) -> str:
    return (f"Recovered unfinished jobs: {counts['imports_failed']} import(s) failed, "
            f"{counts['extractions_queued']} text extraction(s) and "
            f"{counts['snapshots_queued']} reliability snapshot(s) queued again.")
