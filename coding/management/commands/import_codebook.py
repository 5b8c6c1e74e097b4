from django.core.management.base import BaseCommand, CommandError

from coding.management.commands._lead import add_lead_argument, lead_account, lead_report
from coding.reviews.importers import ImportFailed, codebook_import


class Command(BaseCommand):
    help = (
        "Load a codebook into a review (creating the review if needed, led by --lead): YAML, "
        "or a REFI-QDA codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA, Taguette or QualCoder. "
        "All or nothing."
    )
    name_example = "python manage.py import_codebook"

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--review", required=True, help="Slug of the review.")
        add_lead_argument(parser)

    def handle(self, *args, path, review, lead, **options):
        lead = lead_account(lead)
        try:
            result = codebook_import(path=path, review_slug=review, lead=lead)
        except ImportFailed as error:
            raise CommandError(f"Nothing imported. {error}") from None
        attributes = result.codebook.attributes.count()
        self.stdout.write(
            f"Codebook {result.outcome}: {result.review.slug} v{result.codebook.version}, "
            f"{result.codebook.sections.count()} sections, {attributes} attributes."
        )
        lead_report(command=self, result=result, slug=result.review.slug, path=path, lead=lead)
