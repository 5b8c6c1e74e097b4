"""`manage.py recover_background_jobs`: what the worker does as it starts, on demand (or from
cron, for a worker that runs for weeks)."""

from django.core.management.base import BaseCommand

from coding.background import background_jobs_recover
from coding.management.commands.db_worker import _summary


class Command(BaseCommand):
    help = ("Fail import jobs left checking or importing by a stopped worker, and queue again "
            "lost text extractions and reliability snapshots; queue again or fail lost release "
            "requests.")

    def handle(self, *args, **options):
        self.stdout.write(_summary(background_jobs_recover()))
