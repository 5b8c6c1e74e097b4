from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coding.documents.services import documents_import
from coding.models import Document
from coding.records.practice import practice_records_load
from coding.reviews.importers import ImportFailed, cases_import, codebook_import
from coding.reviews.selectors import PRACTICE_SLUG as SLUG

TITLE = "Practice review: coding coproduction cases from their full texts"
DESCRIPTION = (
    "Six short fictional case reports written for training coders, with the coding scheme of "
    "the coproduction review (Tu 2022). Each case has its full text (PDF or web page), so a new "
    "coder can try the whole loop: read the report, code it, compare with a second coder, "
    "adjudicate. The programmes, places and people are invented."
)


class Command(BaseCommand):
    help = (
        "Load the practice review (slug 'practice'): six fictional case reports with public "
        "full texts and the coproduction codebook, published, and candidate records to screen "
        "(fixtures/practice/records.ris). Idempotent."
    )

    def handle(self, *args, **options):
        fixtures = settings.BASE_DIR / "fixtures"
        folder = fixtures / "practice"
        try:
            with transaction.atomic():
                book = codebook_import(path=fixtures / "coproduction_codebook.yaml",
                                       review_slug=SLUG)
                cases = cases_import(path=folder / "cases.csv", review_slug=SLUG)
                review = book.review
                review.title = TITLE
                review.description = DESCRIPTION
                review.is_published = True
                review.save()
                # Documents only on the first load: re-importing the same files would be
                # refused as duplicates, and a lead may have added or removed some since.
                documents = 0
                if not Document.objects.filter(case__review=review).exists():
                    documents = len(documents_import(path=folder / "manifest.csv",
                                                     review_slug=SLUG).documents)
                # Stage one to try: candidate records, criteria, exclusion reasons.
                records = practice_records_load(review=review)
        except ImportFailed as error:
            raise CommandError(f"Nothing loaded. {error}") from None
        self.stdout.write(
            f"Review '{SLUG}' published: codebook {book.outcome}; cases {cases.created} created, "
            f"{cases.updated} updated, {cases.unchanged} unchanged; {documents} document(s) "
            f"added; {records} candidate record(s) imported for screening."
        )
