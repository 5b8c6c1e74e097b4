from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coding.fileio import ImportFailed
from coding.models import Review
from coding.records.services import records_import


class Command(BaseCommand):
    help = (
        "Import a search's candidate records (RIS, BibTeX, CSV or .xlsx) into a review for "
        "screening, as one search of SOURCE; duplicates of records already there (same DOI, or "
        "same title and year) are marked suspected. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument("--source", required=True,
                            help='The database, register or website searched, e.g. "Nesta".')
        parser.add_argument("--date", default="", help="The date of the search, YYYY-MM-DD.")
        parser.add_argument("--query", default="", help="The search as it was typed.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check the file and say what it would import; import nothing.")

    def handle(self, *args, path, review, source, date, query, dry_run, **options):
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"Nothing imported. No review with slug {review!r}.")
        try:
            size = Path(path).stat().st_size
        except OSError as error:
            raise CommandError(f"Nothing imported. {path}: {error.strerror}") from None
        if size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise CommandError(f"Nothing imported. {path} is larger than the limit of "
                               f"{settings.IMPORT_MAX_MB} MB (IMPORT_MAX_MB).")
        try:
            summary = records_import(review=target, path=path, source=source, searched_on=date,
                                     query=query, dry_run=dry_run, check_actor=False)
        except ImportFailed as error:
            raise CommandError(f"Nothing imported. {error}") from None
        except ValidationError as error:
            raise CommandError(f"Nothing imported. {' '.join(error.messages)}") from None
        verb = "would import" if dry_run else "imported"
        self.stdout.write(
            f"{path} {verb} {summary['records']} record(s) from {summary['source']} into "
            f"{target.slug}: {summary['suspected']} suspected duplicate(s) "
            f"({summary['suspected_in_file']} within the file)."
            + (" Nothing was imported (dry run)." if dry_run else ""))
