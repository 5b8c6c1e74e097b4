from django.core.management.base import BaseCommand, CommandError

from coding.reviews.importers import ImportFailed, codebook_import


class Command(BaseCommand):
    help = (
        "Load a codebook into a review (creating the review if needed): YAML, or a REFI-QDA "
        "codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA, Taguette or QualCoder. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--review", required=True, help="Slug of the review.")

    def handle(self, *args, path, review, **options):
        try:
            result = codebook_import(path=path, review_slug=review)
        except ImportFailed as error:
            raise CommandError(f"Nothing imported. {error}") from None
        attributes = result.codebook.attributes.count()
        self.stdout.write(
            f"Codebook {result.outcome}: {result.review.slug} v{result.codebook.version}, "
            f"{result.codebook.sections.count()} sections, {attributes} attributes."
        )
