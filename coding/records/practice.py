"""The practice review's stage one (load_practice): a small candidate set so that a newcomer can
try screening, with the eligibility criteria of the bundled review (Tu 2022, "Coding process")
and its exclusion reasons. fixtures/practice/records.ris holds the six practice cases' own
reports (each linked to its case, so that making cases of included records does not make them
twice), one of them again under a slightly different title (a suspected duplicate), and five
reports that fail a criterion each."""

from django.conf import settings
from django.db import transaction

from coding.models import ExclusionReason, Record, Review, ScreeningSettings, Search
from coding.records.services import records_import

SOURCE = "Practice reports (fictional)"
CRITERIA = "\n".join([
    "Coproduction-focused: the case is about the coproduction of a public service.",
    "Both professionals and citizens contribute to the service.",
    "The case has a clear goal and process, so that it can be analysed.",
    "The case reports outcomes of the coproduction.",
])
# key -> label, in the order of the criteria.
EXCLUSION_REASONS = [
    ("not-coproduction", "Not about the coproduction of a public service"),
    ("not-both-parties", "Professionals and citizens do not both contribute"),
    ("no-goal-or-process", "No clear goal and process"),
    ("no-outcomes", "No outcomes reported"),
]


@transaction.atomic
def practice_records_load(*, review: Review) -> int:
    """Screening settings, exclusion reasons and the candidate records of the practice review;
    what a lead changed since is kept, and the records are imported once. How many records were
    imported (0 when they were there already)."""
    ScreeningSettings.objects.get_or_create(review=review, defaults={"criteria": CRITERIA})
    for order, (key, label) in enumerate(EXCLUSION_REASONS):
        ExclusionReason.objects.get_or_create(review=review, key=key,
                                              defaults={"label": label, "order": order})
    if Search.objects.filter(review=review, source=SOURCE).exists():
        return 0
    summary = records_import(review=review, path=settings.BASE_DIR / "fixtures" / "practice"
                             / "records.ris", source=SOURCE, check_actor=False,
                             query="Fictional reports written for the practice review")
    cases = {case.title: case for case in review.cases.all()}
    linked = []
    for record in Record.objects.filter(search_id=summary["search"], duplicate_status=""):
        case = cases.get(record.title)
        if case is not None and not Record.objects.filter(case=case).exists():
            record.case = case
            linked.append(record)
    Record.objects.bulk_update(linked, ["case"])
    return summary["records"]
