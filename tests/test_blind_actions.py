"""Blind coding holds for what a lead *does*, not only for what they see: a lead who codes a
case cannot reopen the other coding of it, nor take its other coder off it, and the answer
is the same whether that coder has submitted or not (issue 25, item 1)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils.timezone import now

from coding.assignments.services import assignment_set
from coding.codings.policies import codings_user_may_reopen, may_reopen_coding
from coding.codings.services import coding_reopen
from coding.models import Assignment, Coding, CodingStatus, Role
from tests import factories


@pytest.fixture
def lead_coder(review):
    """Leo leads the review and codes case 1 with Bob."""
    leo = factories.UserFactory(username="leo", first_name="Leo")
    for role in (Role.LEAD, Role.CODER):
        factories.MembershipFactory(review=review, user=leo, role=role)
    return leo


@pytest.fixture
def case(review, lead_coder, coder_b):
    case = factories.CaseFactory(review=review, number="1")
    for coder in (lead_coder, coder_b):
        factories.AssignmentFactory(case=case, coder=coder)
    return case


def _normalised(response) -> bytes:
    """The page without its per-request CSRF token, nor the path asked for (the language
    switcher's form comes back to it: it echoes the request, it says nothing of the coding)."""
    content = re.sub(rb'(csrfmiddlewaretoken" value=")[^"]*', rb"\1", response.content)
    return re.sub(rb'(name="next" value=")[^"]*', rb"\1", content)


def _reopen(client, coding_pk):
    return client.post(f"/reviews/demo/codings/{coding_pk}/reopen/", {"reason": "Recheck."})


def test_lead_who_codes_a_case_cannot_reopen_the_other_coding_and_is_told_nothing(
    client, case, lead_coder, coder_b
):
    bob = factories.CodingFactory(case=case, coder=coder_b, submitted=True)
    client.force_login(lead_coder)

    hidden = _reopen(client, bob.pk)
    missing = _reopen(client, bob.pk + 1000)

    assert hidden.status_code == missing.status_code == 404
    assert _normalised(hidden) == _normalised(missing)
    assert b"Bob" not in hidden.content and b"bob" not in hidden.content
    assert Coding.objects.get(pk=bob.pk).status == CodingStatus.SUBMITTED


def test_lead_who_codes_a_case_gets_the_same_answer_before_and_after_the_other_submits(
    client, case, lead_coder, coder_b
):
    bob = factories.CodingFactory(case=case, coder=coder_b)
    client.force_login(lead_coder)
    draft = _reopen(client, bob.pk)
    Coding.objects.filter(pk=bob.pk).update(status=CodingStatus.SUBMITTED, submitted_at=now())
    submitted = _reopen(client, bob.pk)
    assert draft.status_code == submitted.status_code == 404
    assert _normalised(draft) == _normalised(submitted)


def test_the_reopen_policy_and_service_refuse_a_coding_the_lead_is_blind_on(
    case, lead_coder, coder_b
):
    bob = factories.CodingFactory(case=case, coder=coder_b, submitted=True)
    assert not may_reopen_coding(lead_coder, bob)
    assert not codings_user_may_reopen(lead_coder, Coding.objects.all()).exists()
    with pytest.raises(ValidationError) as refused:
        coding_reopen(coding=bob, user=lead_coder, reason="Recheck.")
    assert refused.value.code == "not_found"
    assert "draft" not in str(refused.value) and "Bob" not in str(refused.value)
    assert Coding.objects.get(pk=bob.pk).status == CodingStatus.SUBMITTED


def test_lead_reopens_the_other_coding_once_the_case_is_complete(
    client, case, lead_coder, coder_b
):
    factories.CodingFactory(case=case, coder=lead_coder, submitted=True)
    bob = factories.CodingFactory(case=case, coder=coder_b, submitted=True)
    assert may_reopen_coding(lead_coder, bob)
    assert list(codings_user_may_reopen(lead_coder, Coding.objects.filter(coder=coder_b))) == [bob]
    client.force_login(lead_coder)
    assert _reopen(client, bob.pk).status_code == 302
    assert Coding.objects.get(pk=bob.pk).status == CodingStatus.DRAFT


def test_a_lead_who_does_not_code_the_case_still_reopens_it(client, case, lead, coder_b):
    bob = factories.CodingFactory(case=case, coder=coder_b, submitted=True)
    client.force_login(lead)
    assert _reopen(client, bob.pk).status_code == 302
    assert Coding.objects.get(pk=bob.pk).status == CodingStatus.DRAFT


@pytest.mark.parametrize("bob_submitted", [False, True])
def test_lead_who_codes_a_case_cannot_take_its_other_coder_off_it(
    case, lead_coder, coder_b, coder_a, bob_submitted
):
    """The refusal is the same whether Bob submitted or not (otherwise it would tell)."""
    factories.CodingFactory(case=case, coder=coder_b, submitted=bob_submitted)
    with pytest.raises(ValidationError) as refused:
        assignment_set(case=case, coders=[lead_coder, coder_a], assigned_by=lead_coder)
    assert refused.value.code == "blind"
    assert "Bob" not in str(refused.value) and "submitted" not in str(refused.value)
    assert set(Assignment.objects.filter(case=case).values_list("coder__username", flat=True)) \
        == {"leo", "bob"}
