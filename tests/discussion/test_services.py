"""Discussion services: comments, proposals, acceptance, agreement, escalation."""

import pytest
from django.core.exceptions import ValidationError

from coding.adjudication.policies import (
    AWAITING_DISCUSSION_MESSAGE,
    DISCUSSION_ONLY_MESSAGE,
    ESCALATED_MESSAGE,
    NOT_COMMENTER_MESSAGE,
    NOT_DISCUSSANT_MESSAGE,
)
from coding.adjudication.services import (
    disagreement_accept,
    disagreement_comment,
    disagreement_escalate,
    disagreement_propose,
    disagreement_reopen,
    disagreement_resolve,
    disagreements_detect,
    discussion_waiting_for,
)
from coding.codings.services import coding_reopen
from coding.models import (
    AuditEvent,
    Case,
    CodedValue,
    ConsensusMethod,
    ConsensusRevision,
    ConsensusValue,
    Disagreement,
    DisagreementAcceptance,
    DisagreementComment,
    DisagreementStatus,
    Notification,
    NotificationKind,
    ResolutionMode,
)
from coding.values import stored_value
from tests import factories


def _consensus(case, key="level"):
    return ConsensusValue.objects.filter(case=case, attribute__key=key).first()


def test_both_coders_accepting_the_same_value_makes_consensus_agreed_after_discussion(
    level, coder_a, coder_b
):
    raw = list(CodedValue.objects.values().order_by("pk"))
    disagreement_comment(disagreement=level, user=coder_a, body="The council runs it.")
    proposal = disagreement_propose(disagreement=level, user=coder_b, value="local",
                                    body="You are right, page 2.")
    assert proposal.consensus is None
    assert _consensus(level.case) is None

    settled = disagreement_accept(disagreement=level, user=coder_a,
                                  proposal=proposal.comment.pk)

    consensus = settled.consensus
    assert consensus.method == ConsensusMethod.DISCUSSION
    assert consensus.get_method_display() == "Agreed after discussion"
    assert stored_value(level.attribute, consensus) == "local"
    assert consensus.decided_by == coder_a
    assert consensus.rationale == (
        "Alice: The council runs it.\nBob: proposes Local: You are right, page 2."
    )
    # Alice's value it is, so her evidence comes with it.
    assert consensus.evidence == "the borough council"
    level.refresh_from_db()
    assert level.status == DisagreementStatus.RESOLVED
    revision = ConsensusRevision.objects.get(consensus=consensus)
    assert revision.method == ConsensusMethod.DISCUSSION and revision.changed_by == coder_a
    actions = list(AuditEvent.objects.filter(
        action__startswith="discussion.").values_list("action", flat=True).order_by("pk"))
    assert actions == ["discussion.comment", "discussion.propose", "discussion.accept"]
    assert AuditEvent.objects.filter(action="consensus.discuss").count() == 1
    assert list(CodedValue.objects.values().order_by("pk")) == raw, "raw codings untouched"


def test_two_equal_proposals_agree_without_an_accept(level, coder_a, coder_b):
    disagreement_propose(disagreement=level, user=coder_a, value="national")
    settled = disagreement_propose(disagreement=level, user=coder_b, value="national")
    assert settled.consensus is not None
    assert stored_value(level.attribute, settled.consensus) == "national"
    assert settled.consensus.evidence == "", "neither coder's value: no evidence carried"


def test_a_new_proposal_replaces_the_proposers_acceptance(level, coder_a, coder_b):
    first = disagreement_propose(disagreement=level, user=coder_a, value="local").comment
    disagreement_propose(disagreement=level, user=coder_b, value="state")
    disagreement_propose(disagreement=level, user=coder_a, value="national")
    # Bob accepting Alice's first proposal: Alice has moved on, so no agreement.
    assert disagreement_accept(disagreement=level, user=coder_b,
                               proposal=first.pk).consensus is None
    assert DisagreementAcceptance.objects.filter(disagreement=level).count() == 2


def test_multiple_choice_proposal_agrees_in_any_order(coded, coder_a, coder_b):
    roles = Disagreement.objects.get(case=coded, attribute__key="roles")
    disagreement_propose(disagreement=roles, user=coder_a, value=["deliverer", "assessor"])
    settled = disagreement_propose(disagreement=roles, user=coder_b,
                                   value=["assessor", "deliverer"])
    assert stored_value(roles.attribute, settled.consensus) == {"assessor", "deliverer"}


def test_a_proposal_must_be_a_value_of_the_attribute(level, coder_a):
    with pytest.raises(ValidationError) as error:
        disagreement_propose(disagreement=level, user=coder_a, value="galactic")
    assert "galactic" in " ".join(error.value.messages)
    assert not DisagreementComment.objects.exists()


def test_an_empty_comment_is_refused_with_a_message(level, coder_a):
    with pytest.raises(ValidationError, match="Write a comment first"):
        disagreement_comment(disagreement=level, user=coder_a, body="   ")


def test_accepting_a_proposal_of_another_disagreement_is_refused(coded, level, coder_a, coder_b):
    budget = Disagreement.objects.get(case=coded, attribute__key="budget")
    other = disagreement_propose(disagreement=budget, user=coder_b, value=150).comment
    with pytest.raises(ValidationError, match="no such proposal"):
        disagreement_accept(disagreement=level, user=coder_a, proposal=other.pk)


@pytest.mark.parametrize("actor", ["adjudicator", "lead", "outsider"])
def test_only_the_two_coders_propose_accept_and_escalate(level, actor, request):
    user = request.getfixturevalue(actor)
    for attempt in (
        lambda: disagreement_propose(disagreement=level, user=user, value="local"),
        lambda: disagreement_escalate(disagreement=level, user=user),
    ):
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.messages == [NOT_DISCUSSANT_MESSAGE]


def test_adjudicators_and_leads_comment_outsiders_do_not(level, adjudicator, lead, outsider):
    disagreement_comment(disagreement=level, user=adjudicator, body="Check page 2.")
    disagreement_comment(disagreement=level, user=lead, body="Agreed, page 2.")
    with pytest.raises(ValidationError) as error:
        disagreement_comment(disagreement=level, user=outsider, body="Hello")
    assert error.value.messages == [NOT_COMMENTER_MESSAGE]
    assert DisagreementComment.objects.count() == 2


def test_adjudicator_mode_has_comments_from_adjudicators_and_leads_only(
    level, coder_a, adjudicator
):
    review = level.case.review
    review.resolution_mode = ResolutionMode.ADJUDICATOR
    review.save()
    disagreement_comment(disagreement=level, user=adjudicator, body="Looking at it.")
    with pytest.raises(ValidationError) as error:
        disagreement_comment(disagreement=level, user=coder_a, body="My view")
    assert error.value.messages == [NOT_COMMENTER_MESSAGE]
    with pytest.raises(ValidationError) as error:
        disagreement_propose(disagreement=level, user=coder_a, value="local")
    assert error.value.messages == [DISCUSSION_ONLY_MESSAGE]


def test_an_adjudicator_decides_only_after_escalation(level, coder_b, adjudicator):
    decide = {"disagreement": level, "user": adjudicator, "choice": "a",
              "rationale": "Page 2.", "expected_version": 0}
    with pytest.raises(ValidationError) as error:
        disagreement_resolve(**decide)
    assert error.value.messages == [AWAITING_DISCUSSION_MESSAGE]

    disagreement_escalate(disagreement=level, user=coder_b, body="We read it differently.")
    level.refresh_from_db()
    assert level.escalated_by == coder_b and level.escalated_at is not None
    assert list(Notification.objects.filter(kind=NotificationKind.ADJUDICATION_NEEDED)
                .values_list("user", "url")) == [
        (adjudicator.pk, f"/reviews/demo/adjudication/{level.case.number}/")]

    consensus = disagreement_resolve(**decide)
    assert consensus.method == ConsensusMethod.ADJUDICATED


def test_after_escalation_coders_comment_but_no_longer_propose(level, coder_a, coder_b):
    disagreement_escalate(disagreement=level, user=coder_a)
    disagreement_comment(disagreement=level, user=coder_b, body="Fine by me.")
    with pytest.raises(ValidationError) as error:
        disagreement_propose(disagreement=level, user=coder_b, value="local")
    assert error.value.messages == [ESCALATED_MESSAGE]


def test_a_reopened_coding_puts_the_discussion_on_hold(level, coder_a, lead):
    coding_reopen(coding=level.coding_b, user=lead, reason="Recheck.")
    with pytest.raises(ValidationError, match="reopened"):
        disagreement_comment(disagreement=level, user=coder_a, body="Still there?")


def test_detection_keeps_a_value_agreed_after_discussion(level, coder_a, coder_b, lead):
    proposal = disagreement_propose(disagreement=level, user=coder_a, value="local").comment
    disagreement_accept(disagreement=level, user=coder_b, proposal=proposal.pk)
    disagreements_detect(case=level.case)
    consensus = _consensus(level.case)
    assert consensus.method == ConsensusMethod.DISCUSSION and consensus.version == 1


def test_reopening_a_discussed_value_clears_the_acceptances(level, coder_a, coder_b, lead):
    proposal = disagreement_propose(disagreement=level, user=coder_a, value="local").comment
    disagreement_accept(disagreement=level, user=coder_b, proposal=proposal.pk)
    disagreement_reopen(disagreement=level, user=lead, reason="Check again.", expected_version=1)
    assert not DisagreementAcceptance.objects.exists()
    # The thread stays; the coders agree afresh.
    again = disagreement_accept(disagreement=level, user=coder_b, proposal=proposal.pk)
    assert again.consensus is None
    assert disagreement_accept(disagreement=level, user=coder_a,
                               proposal=proposal.pk).consensus.version == 2


def test_the_coders_are_to_hear_about_new_disagreements_only_in_discussion_mode(
    coded, coder_a, coder_b
):
    review = coded.review
    assert discussion_waiting_for(review=review, case_ids=[coded.pk]) == {
        coded.pk: sorted([coder_a.pk, coder_b.pk])}
    review.resolution_mode = ResolutionMode.ADJUDICATOR
    review.save()
    assert discussion_waiting_for(review=review, case_ids=[coded.pk]) == {}


def _notified(kind) -> list[tuple]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user", "url"))


def test_new_disagreements_are_announced_to_the_coders_in_discussion_mode(
    coded, coder_a, coder_b, adjudicator
):
    url = f"/reviews/demo/discussion/{coded.number}/"
    assert _notified(NotificationKind.DISCUSSION_WAITING) == sorted(
        [(coder_a.pk, url), (coder_b.pk, url)])
    assert _notified(NotificationKind.ADJUDICATION_NEEDED) == []  # not before an escalation


def test_in_adjudicator_mode_the_adjudicators_hear_of_them_instead(
    case, coder_a, coder_b, adjudicator
):
    case.review.resolution_mode = ResolutionMode.ADJUDICATOR
    case.review.save()
    for coder, level in ((coder_a, "local"), (coder_b, "state")):
        factories.coding_with_values(case=case, coder=coder, values={"level": level})

    disagreements_detect(case=Case.objects.get(pk=case.pk))
    assert _notified(NotificationKind.DISCUSSION_WAITING) == []
    assert _notified(NotificationKind.ADJUDICATION_NEEDED) == [
        (adjudicator.pk, f"/reviews/demo/adjudication/{case.number}/")]


def test_a_blind_lead_coder_does_not_read_the_thread_in_the_audit_log(
    level, coder_a, coder_b, lead, client
):
    """Alice also leads: after Lena reopens Bob's coding, Alice is blind on the case again,
    and the log hides the thread's events (with Bob's proposed value) from her."""
    from coding.audit.policies import audit_events_visible_to
    from coding.models import Membership, Role

    Membership.objects.create(review=level.case.review, user=coder_a, role=Role.LEAD)
    disagreement_propose(disagreement=level, user=coder_b, value="state", body="bob-secret")
    events = AuditEvent.objects.filter(action="discussion.propose")
    assert audit_events_visible_to(coder_a, events).count() == 1
    coding_reopen(coding=level.coding_b, user=lead, reason="Recheck.")
    assert audit_events_visible_to(coder_a, events).count() == 0
    assert audit_events_visible_to(lead, events).count() == 1
    client.force_login(coder_a)
    assert "bob-secret" not in client.get("/reviews/demo/audit/").text
