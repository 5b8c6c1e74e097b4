from django.core.management.base import BaseCommand, CommandError

from coding.management.commands._lead import add_lead_argument, lead_account, lead_report
from coding.management.commands._progress import TerminalProgress
from coding.reviews.importers import ImportFailed, cases_import


class Command(BaseCommand):
    help = (
        "Create or update a review's cases from CSV or an Excel workbook (.xlsx) with the "
        "header number,title,country,year,service_area,summary,source. All or nothing."
    )
    name_example = "python manage.py import_cases"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument(
            "--create-review", action="store_true", help="Create the review if it does not exist."
        )
        add_lead_argument(parser)

    def handle(self, *args, path, review, create_review, lead, **options):
        lead = lead_account(lead)
        progress = TerminalProgress(self)
        try:
            result = cases_import(path=path, review_slug=review, create_review=create_review,
                                  progress=progress, lead=lead)
        except ImportFailed as error:
            raise CommandError(f"Nothing imported. {error}") from None
        finally:
            progress.close()
        self.stdout.write(
            f"Cases for {result.review.slug}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
        lead_report(command=self, result=result, slug=result.review.slug, path=path, lead=lead)
