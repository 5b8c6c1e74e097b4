"""The domain policies, tested directly: each rule's yes/no form and its queryset form agree,
and the stored answer of the public-consensus rule follows every workflow step."""

import pytest
from django.core.exceptions import ValidationError

from coding.adjudication.policies import (
    NOT_READY_MESSAGE,
    decide_refusal,
    disagreement_ready,
    disagreements_visible_to,
)
from coding.adjudication.services import disagreement_reopen, disagreement_resolve
from coding.assignments.services import assignment_set
from coding.audit.policies import audit_events_visible_to
from coding.codings.policies import (
    blind_cases,
    coding_visible_to,
    codings_visible_to,
    is_blind_on,
)
from coding.codings.services import coding_reopen, coding_save_draft, coding_start, coding_submit
from coding.models import AuditEvent, Case, Coding, Disagreement, Role
from coding.public.policies import consensus_is_public
from tests import factories

ALICE = {"level": {"value": "local"}, "roles": {"value": ["deliverer"]}}
BOB = {"level": {"value": "state"}, "roles": {"value": ["deliverer"]}}


@pytest.fixture
def lena_codes(review, lead):
    factories.MembershipFactory(review=review, user=lead, role=Role.CODER)
    return lead


@pytest.fixture
def case(review, lena_codes, coder_b):
    case = factories.CaseFactory(review=review, number="40")
    assignment_set(case=case, coders=[lena_codes, coder_b], assigned_by=lena_codes)
    return case


def _code(case, coder, values, submit=True) -> Coding:
    coding = coding_start(case=case, user=coder)
    coding = coding_save_draft(coding=coding, values=values, expected_version=coding.version,
                               user=coder)
    if submit:
        coding = coding_submit(coding=coding, expected_version=coding.version, user=coder)
    return coding


def _both_forms_agree(user, coding) -> bool:
    one = coding_visible_to(user, coding)
    many = codings_visible_to(user, Coding.objects.filter(pk=coding.pk)).exists()
    assert one == many, f"yes/no and queryset forms disagree for {user}"
    return one


def test_a_lead_who_codes_a_case_is_blind_on_it_until_both_submit(
    case, lena_codes, coder_b, adjudicator
):
    bobs = _code(case, coder_b, BOB)
    assert is_blind_on(lena_codes, case) and list(blind_cases(lena_codes)) == [case]
    assert not _both_forms_agree(lena_codes, bobs)
    assert _both_forms_agree(adjudicator, bobs)  # submitted, and Ada does not code it
    _code(case, lena_codes, ALICE)
    assert not is_blind_on(lena_codes, case)
    assert _both_forms_agree(lena_codes, bobs)


def test_nobody_but_its_coder_sees_a_draft(case, lena_codes, coder_b, adjudicator, outsider):
    draft = _code(case, coder_b, BOB, submit=False)
    assert _both_forms_agree(coder_b, draft)
    for user in (lena_codes, adjudicator, outsider):
        assert not _both_forms_agree(user, draft)


def test_audit_log_hides_the_other_coding_from_a_lead_who_codes_the_case(
    case, lena_codes, coder_b, review
):
    bobs = _code(case, coder_b, BOB, submit=False)
    about_bob = AuditEvent.objects.filter(object_type="coding.coding", object_id=str(bobs.pk))
    assert about_bob.exists()
    assert not audit_events_visible_to(lena_codes, about_bob).exists()
    other_lead = factories.UserFactory(username="olga")
    factories.MembershipFactory(review=review, user=other_lead, role=Role.LEAD)
    assert audit_events_visible_to(other_lead, about_bob).count() == about_bob.count()


def test_a_reopened_coding_puts_its_disagreements_on_hold(
    review, coder_a, coder_b, lead, adjudicator
):
    case = factories.CaseFactory(review=review)
    assignment_set(case=case, coders=[coder_a, coder_b], assigned_by=lead)
    _code(case, coder_a, ALICE)
    bobs = _code(case, coder_b, BOB)
    disagreement = Disagreement.objects.get(case=case)
    assert disagreement_ready(disagreement)
    coding_reopen(coding=bobs, user=lead, reason="check the level")
    assert not disagreement_ready(disagreement)
    assert not disagreements_visible_to(adjudicator, review, Disagreement.objects.all()).exists()
    with pytest.raises(ValidationError, match=NOT_READY_MESSAGE):
        disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="other",
                             value="local", rationale="the council runs it", expected_version=0)
    assert not disagreement.case.consensus_values.filter(attribute__key="level").exists()


def test_the_stored_public_consensus_follows_every_step(
    review, coder_a, coder_b, lead, adjudicator
):
    case = factories.CaseFactory(review=review)
    assignment_set(case=case, coders=[coder_a, coder_b], assigned_by=lead)

    def stored() -> bool:
        flag = Case.objects.get(pk=case.pk).consensus_complete
        assert flag == consensus_is_public(case), "stored flag and the rule disagree"
        return flag

    _code(case, coder_a, ALICE)
    assert not stored()  # one submitted
    bobs = _code(case, coder_b, BOB)
    assert not stored()  # level is open
    disagreement = Disagreement.objects.get(case=case)
    disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="a",
                         rationale="Alice quotes the report", expected_version=0)
    assert stored()
    disagreement_reopen(disagreement=disagreement, user=lead, reason="second look",
                        expected_version=1)
    assert not stored()
    disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="b",
                         rationale="Bob is right", expected_version=1)
    assert stored()
    bobs = coding_reopen(coding=bobs, user=lead, reason="add a role")
    assert not stored()
    coding_submit(coding=bobs, expected_version=bobs.version, user=coder_b)
    assert stored()


def test_an_adjudicator_may_not_decide_a_case_they_coded(review, coder_a, adjudicator, lead):
    factories.MembershipFactory(review=review, user=adjudicator, role=Role.CODER)
    case = factories.CaseFactory(review=review)
    assignment_set(case=case, coders=[coder_a, adjudicator], assigned_by=lead)
    assert decide_refusal(adjudicator, case)[0] == "own_case"
    assert decide_refusal(lead, case)[0] == "role"
    other = factories.UserFactory(username="otto")
    factories.MembershipFactory(review=review, user=other, role=Role.ADJUDICATOR)
    assert decide_refusal(other, case) is None


# --- detection's rule for one attribute (adjudication.services.values_compare) ---------------


def _attribute(review, key):
    return review.current_codebook().attributes.get(key=key)


class _Stored:
    def __init__(self, evidence=""):
        self.evidence = evidence


def test_values_compare_differing_values_are_a_disagreement(review):
    from coding.adjudication.services import DIFFER, values_compare

    level = _attribute(review, "level")
    assert values_compare(level, _Stored(), _Stored(), "local", "national").outcome == DIFFER
    assert values_compare(level, _Stored(), None, "local", None).outcome == DIFFER


def test_values_compare_agreed_values_keep_both_coders_distinct_evidence(review):
    from coding.adjudication.services import AGREE, values_compare

    level = _attribute(review, "level")
    same = values_compare(level, _Stored("p. 3"), _Stored(" p. 3 "), "local", "local")
    assert (same.outcome, same.value, same.evidence) == (AGREE, "local", "p. 3")
    both = values_compare(level, _Stored("p. 3"), _Stored("p. 4"), "local", "local")
    assert both.evidence == "p. 3\n\np. 4"


def test_values_compare_multiple_choice_none_chosen_by_both_is_agreement(review):
    from coding.adjudication.services import AGREE, BLANK, values_compare

    roles = _attribute(review, "roles")
    answered = values_compare(roles, _Stored(), _Stored(), frozenset(), frozenset())
    assert (answered.outcome, answered.value) == (AGREE, frozenset())
    # Neither coder touched it: nothing to agree on.
    assert values_compare(roles, None, None, None, None).outcome == BLANK


def test_values_compare_neither_value_is_nothing_to_agree_on(review):
    from coding.adjudication.services import BLANK, values_compare

    budget = _attribute(review, "budget")
    assert values_compare(budget, None, None, None, None).outcome == BLANK
