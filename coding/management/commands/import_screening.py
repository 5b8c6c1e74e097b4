from django.core.management.base import BaseCommand, CommandError

from coding.screening.transfer import ImportFailed, decisions_import


class Command(BaseCommand):
    help = (
        "Load screening decisions from CSV or an Excel workbook (.xlsx) with the header "
        "record,screener,stage,decision[,reason][,note] (one row per decision; record: its "
        "external ID or id; screener: a username with the coder role). All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--review", required=True, help="Slug of the review.")

    def handle(self, *args, path, review, **options):
        try:
            result = decisions_import(path=path, review_slug=review)
        except ImportFailed as error:
            raise CommandError(f"Nothing imported. {error}") from None
        self.stdout.write(
            f"Screening decisions for {result.review.slug} ({result.rows} rows): "
            f"{result.created} created, {result.changed} changed, {result.unchanged} "
            f"unchanged; {result.assignments} assignment(s) made."
        )
