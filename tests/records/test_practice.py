"""The practice review's candidate set: loaded by load_practice, once."""

from django.core.management import call_command

from coding.models import DuplicateStatus, ExclusionReason, Record, Review, ScreeningSettings
from coding.records.selectors import included_records_without_case, records_for_screening


def test_load_practice_adds_candidates_criteria_and_reasons_once(db):
    call_command("load_practice", verbosity=0)
    call_command("load_practice", verbosity=0)
    review = Review.objects.get(slug="practice")
    records = Record.objects.filter(review=review)
    assert records.count() == 12
    duplicate = records.get(duplicate_status=DuplicateStatus.SUSPECTED)
    assert duplicate.duplicate_of.title == "Street watch volunteers in Harlow Vale"
    # The six practice cases' own reports point at their cases; the others have none.
    linked = records.filter(case__isnull=False)
    assert sorted(r.case.number for r in linked) == ["1", "2", "3", "4", "5", "6"]
    assert all(r.title == r.case.title for r in linked)
    assert records_for_screening(review).count() == 11
    assert not included_records_without_case(review).exists()
    settings = ScreeningSettings.objects.get(review=review)
    assert "professionals and citizens" in settings.criteria
    assert len(settings.criteria.splitlines()) == 4
    assert ExclusionReason.objects.filter(review=review).count() == 4
