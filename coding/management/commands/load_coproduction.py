import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from coding.prisma.services import screening_reported_load
from coding.reviews.importers import cases_import, codebook_import
from coding.reviews.services import review_data_changed

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
            # Where the paper's prose and its Table 1 differ, and what its Table 3 and
            # Figure 2 correspond to here (shown on the dashboard and the gallery).
            note = json.loads((fixtures / "coproduction_note.json").read_text(encoding="utf-8"))
            note_changed = review.source_note != note
            review.source_note = note
            review.save()
            # Stage one as the paper reports it: three sources, 56 eligible cases; every other
            # count of the PRISMA flow the paper does not give, so it shows "not reported".
            screening = json.loads(
                (fixtures / "coproduction_screening.json").read_text(encoding="utf-8"))
            screening_changed = screening_reported_load(review=review, data=screening)
            if note_changed or screening_changed:  # readers' cached pages show the note at once
                review_data_changed(review=review.pk)
        self.stdout.write(
            f"Review '{SLUG}' published: codebook {book.outcome}; cases {cases.created} created, "
            f"{cases.updated} updated, {cases.unchanged} unchanged."
        )
