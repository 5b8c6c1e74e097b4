"""Send the daily e-mail digest of unread notifications to everyone who turned it on.

Run it from cron once a day (or more often: each person gets at most one digest a day).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coding.notifications.services import notification_digests_send


class Command(BaseCommand):
    help = "E-mail each person who asked for it their unread notifications (once a day)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default=settings.SITE_URL,
            help="The site's address for the links in the mails (default: SITE_URL, now "
            f"{settings.SITE_URL!r}).",
        )

    def handle(self, *args, base_url: str, **options):
        if not base_url.startswith(("http://", "https://")):
            raise CommandError("Give the site's address, e.g. --base-url https://coding.example.org")
        run = notification_digests_send(base_url=base_url)
        self.stdout.write(
            f"{run.sent} digest(s) sent; {run.skipped_today} already sent today; "
            f"{run.nothing_new} with nothing new; {run.failed} failed (tried again next run)."
        )
        if run.failed:
            raise CommandError(f"{run.failed} digest(s) could not be sent.")
