from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from coding.reviews.importers import cases_import, codebook_import

SLUG = "coproduction"
DESCRIPTION = (
    "Tu X. (2022). Exploring coproduction process and outcomes in public service delivery: "
    "a systematic review. Social Work and Social Welfare 4(1): 185-196. "
    "https://doi.org/10.25082/SWSW.2022.01.003 — 56 worldwide cases of coproduction in public "
    "services, coded for type of coproduction, role of citizens, influential factors, values "
    "created and outcomes. The paper's published results: 10 national, 3 state and 43 local "
    "cases; 54 of the 56 cases in a single-service setting; a formal agreement in 25 of 52 "
    "cases."
)


class Command(BaseCommand):
    help = "Load the bundled coproduction review (codebook, 56 cases) and publish it. Idempotent."

    def handle(self, *args, **options):
        fixtures = settings.BASE_DIR / "fixtures"
        with transaction.atomic():
            book = codebook_import(path=fixtures / "coproduction_codebook.yaml", review_slug=SLUG)
            cases = cases_import(path=fixtures / "coproduction_cases.csv", review_slug=SLUG)
            review = book.review
            review.title = "Coproduction in public service delivery: a systematic review"
            review.description = DESCRIPTION
            review.is_published = True
            review.save()
        self.stdout.write(
            f"Review '{SLUG}' published: codebook {book.outcome}; cases {cases.created} created, "
            f"{cases.updated} updated, {cases.unchanged} unchanged."
        )
