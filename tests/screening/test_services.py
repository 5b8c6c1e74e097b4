"""Screening's workflow: assignment, decisions, comparison, changing and undoing."""

import pytest
from django.core.exceptions import ValidationError

from coding.models import (
    DuplicateStatus,
    Notification,
    Role,
    ScreeningAssignment,
    ScreeningConflict,
    ScreeningDecision,
    ScreeningOutcome,
)
from coding.screening.policies import records_at_stage
from coding.screening.services import (
    screening_assign,
    screening_decide,
    screening_settings_save,
    screening_undo_last,
    screening_withdraw,
    settings_version,
)
from tests import factories
from tests.screening.conftest import decide, make_records


def test_two_equal_decisions_settle_the_record_as_agreed(assigned, coder_a, coder_b):
    record = assigned[0]
    decide(record, coder_a, "include")
    assert not ScreeningOutcome.objects.exists()
    decide(record, coder_b, "include")
    outcome = ScreeningOutcome.objects.get(record=record)
    assert (outcome.decision, outcome.method) == ("include", "agreed")
    assert not ScreeningConflict.objects.exists()


@pytest.mark.parametrize("a, b", [("include", "exclude"), ("maybe", "maybe"),
                                  ("include", "maybe")])
def test_different_decisions_or_a_maybe_make_a_conflict(assigned, coder_a, coder_b, a, b):
    record = assigned[0]
    decide(record, coder_a, a)
    decide(record, coder_b, b)
    conflict = ScreeningConflict.objects.get(record=record)
    assert conflict.status == "open"
    assert not ScreeningOutcome.objects.exists()


def test_full_text_exclusions_with_different_reasons_conflict(screening, lead, coder_a,
                                                              coder_b):
    record = make_records(screening, 1)[0]
    screening_settings_save(review=screening, user=lead, stages="full_text", criteria="",
                            reasons=["No citizens", "No outcomes"])
    screening_assign(review=screening, user=lead, stage="full_text",
                     screeners=[coder_a, coder_b])
    decide(record, coder_a, "exclude", "full_text", "no-citizens")
    decide(record, coder_b, "exclude", "full_text", "no-outcomes")
    assert ScreeningConflict.objects.filter(record=record, stage="full_text").exists()


def test_full_text_exclusion_needs_a_reason_of_the_list(screening, lead, coder_a, coder_b):
    record = make_records(screening, 1)[0]
    screening_settings_save(review=screening, user=lead, stages="full_text", criteria="",
                            reasons=["No citizens"])
    screening_assign(review=screening, user=lead, stage="full_text",
                     screeners=[coder_a, coder_b])
    with pytest.raises(ValidationError, match="Choose why"):
        decide(record, coder_a, "exclude", "full_text")
    with pytest.raises(ValidationError, match="No such exclusion reason"):
        decide(record, coder_a, "exclude", "full_text", "made-up")
    assert not ScreeningDecision.objects.exists()


def test_a_screener_changes_their_decision_until_settled(assigned, coder_a, coder_b):
    record = assigned[0]
    first = decide(record, coder_a, "include")
    changed = screening_decide(record=record, stage="title_abstract", user=coder_a,
                               decision="exclude", version=first.version)
    assert changed.version == 2
    with pytest.raises(ValidationError) as stale:
        screening_decide(record=record, stage="title_abstract", user=coder_a,
                         decision="include", version=1)
    assert stale.value.code == "conflict"
    decide(record, coder_b, "exclude")
    with pytest.raises(ValidationError, match="settled"):
        decide(record, coder_a, "include")


def test_changing_a_decision_in_conflict_to_agree_settles_it(assigned, coder_a, coder_b):
    record = assigned[0]
    decide(record, coder_a, "include")
    decide(record, coder_b, "exclude")
    decide(record, coder_b, "include")
    assert ScreeningConflict.objects.get(record=record).status == "resolved"
    assert ScreeningOutcome.objects.get(record=record).method == "agreed"


def test_undo_withdraws_the_last_decision_and_its_conflict(assigned, coder_a, coder_b):
    decide(assigned[0], coder_a, "include")
    decide(assigned[1], coder_a, "exclude")
    decide(assigned[1], coder_b, "include")
    assert ScreeningConflict.objects.count() == 1
    undone = screening_undo_last(review=assigned[0].review, stage="title_abstract",
                                 user=coder_a)
    assert undone == assigned[1]
    assert not ScreeningDecision.objects.filter(record=assigned[1], screener=coder_a).exists()
    assert not ScreeningConflict.objects.exists()
    assert screening_withdraw(record=assigned[1], stage="title_abstract", user=coder_a) is False


def test_only_assigned_coders_decide(assigned, coder_a, lead, review):
    with pytest.raises(ValidationError):
        decide(assigned[0], lead, "include")
    outsider = factories.UserFactory(username="olga")
    factories.MembershipFactory(review=review, user=outsider, role=Role.CODER)
    with pytest.raises(ValidationError, match="not assigned"):
        decide(assigned[0], outsider, "include")


def test_assignment_balances_and_never_assigns_removed_duplicates(screening, lead, review):
    records = make_records(screening, 6)
    records[0].duplicate_status = DuplicateStatus.CONFIRMED
    records[0].save()
    people = []
    for name in ("sam", "tia", "uma"):
        user = factories.UserFactory(username=name)
        factories.MembershipFactory(review=review, user=user, role=Role.CODER)
        people.append(user)
    made = screening_assign(review=screening, user=lead, stage="title_abstract",
                            screeners=people)
    assert made == 10  # five records, two screeners each
    assert not ScreeningAssignment.objects.filter(record=records[0]).exists()
    loads = sorted(ScreeningAssignment.objects.filter(screener=u).count() for u in people)
    assert loads == [3, 3, 4]
    assert screening_assign(review=screening, user=lead, stage="title_abstract",
                            screeners=people) == 0
    assert Notification.objects.filter(user=people[0], kind="case_assigned").exists()


def test_assigning_a_member_without_the_coder_role_is_refused(screening, records, lead,
                                                              coder_a):
    with pytest.raises(ValidationError, match="coder role"):
        screening_assign(review=screening, user=lead, stage="title_abstract",
                         screeners=[coder_a, lead])
    assert not ScreeningAssignment.objects.exists()


def test_full_text_screens_only_records_included_at_title_and_abstract(assigned, coder_a,
                                                                       coder_b, lead):
    decide(assigned[0], coder_a, "include")
    decide(assigned[0], coder_b, "include")
    decide(assigned[1], coder_a, "exclude")
    decide(assigned[1], coder_b, "exclude")
    review = assigned[0].review
    assert list(records_at_stage(review, "full_text")) == [assigned[0]]
    made = screening_assign(review=review, user=lead, stage="full_text",
                            screeners=[coder_a, coder_b])
    assert made == 2


def test_settings_refuse_a_stale_version_and_removing_a_used_reason(screening, lead, coder_a,
                                                                    coder_b):
    version = settings_version(screening)
    screening_settings_save(review=screening, user=lead, stages="both", criteria="New",
                            reasons=["No outcomes", "No citizens", "Not a programme"],
                            version=version)
    labels = list(screening.exclusion_reasons.order_by("order").values_list("label", flat=True))
    assert labels == ["No outcomes", "No citizens", "Not a programme"]
    with pytest.raises(ValidationError) as stale:
        screening_settings_save(review=screening, user=lead, stages="both", criteria="Old",
                                reasons=[], version=version)
    assert stale.value.code == "conflict"
    screening.screening_settings.refresh_from_db()
    assert screening.screening_settings.criteria == "New"
