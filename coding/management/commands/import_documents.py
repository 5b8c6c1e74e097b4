from django.core.management.base import BaseCommand, CommandError

from coding.documents.services import documents_import
from coding.reviews.importers import ImportFailed


class Command(BaseCommand):
    help = (
        "Add documents to a review's cases from a folder of files named by case number "
        "(12.pdf, 12-appendix.pdf) or from a manifest CSV with the header "
        "case,file,title,public (the CSV itself, or manifest.csv in the folder). "
        "All or nothing. Documents are not public unless the manifest says so."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--review", required=True, help="Slug of the review.")

    def handle(self, *args, path, review, **options):
        try:
            result = documents_import(path=path, review_slug=review)
        except ImportFailed as error:
            raise CommandError(f"Nothing imported. {error}") from None
        for note in result.notes:
            self.stdout.write(note)
        cases = len({document.case_id for document in result.documents})
        self.stdout.write(
            f"Documents for {result.review.slug}: {len(result.documents)} added to "
            f"{cases} case(s)."
        )
