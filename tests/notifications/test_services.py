"""Which actions notify whom, once per action, and nothing for rolled-back work
(coding/notifications/services.py and the services that call it)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from coding.adjudication.bulk import disagreements_detect_many
from coding.adjudication.services import disagreements_announce, disagreements_detect
from coding.assignments.services import assignment_replace, assignment_set, cases_assign
from coding.members.services import invitation_accept_new_account, invitation_send
from coding.models import Assignment, Notification, NotificationKind, ResolutionMode, Role
from coding.notifications.services import (
    notifications_mark_read,
    notify,
    notify_discussion_waiting,
    notify_round_complete,
)
from tests import factories

DIFFERENT_A = {"level": "local", "roles": ["deliverer"], "budget": 100.0, "agreement": True}
DIFFERENT_B = {"level": "state", "roles": ["deliverer"], "budget": 100.0, "agreement": True}


def _texts(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list(
        "kind", "text", "url"))


def test_notify_writes_one_row_per_user_in_one_query(review, coder_a, coder_b,
                                                      django_assert_num_queries):
    with django_assert_num_queries(1):
        made = notify(users=[coder_a, coder_b, coder_a.pk], review=review,
                      kind=NotificationKind.ROUND_COMPLETE, message="round_complete",
                      params={"round": "Round 1", "review": "Demo review"}, url="/reviews/demo/")
    assert len(made) == 2
    assert Notification.objects.filter(user=coder_a).count() == 1


@pytest.mark.parametrize("kind, url", [("nonsense", "/x/"), ("round_complete", "https://evil.example/"),
                                       ("round_complete", "//evil.example/")])
def test_notify_refuses_unknown_kinds_and_links_off_the_site(review, coder_a, kind, url):
    with pytest.raises(ValidationError):
        notify(users=[coder_a], review=review, kind=kind, message="round_complete",
               params={"round": "x", "review": "y"}, url=url)
    assert not Notification.objects.exists()


def test_marking_read_changes_only_the_users_own_notifications(review, coder_a, coder_b):
    notify(users=[coder_a, coder_b], review=review, kind=NotificationKind.ROUND_COMPLETE,
           message="round_complete", params={"round": "Round 1", "review": "Demo review"},
           url="/reviews/demo/")
    assert notifications_mark_read(user=coder_a) == 1
    assert notifications_mark_read(user=coder_a) == 0
    assert Notification.objects.unread().filter(user=coder_b).count() == 1


def test_automatic_assignment_notifies_each_coder_once_with_the_count(review, coder_a,
                                                                       coder_b, lead):
    for number in ("1", "2", "3"):
        factories.CaseFactory(review=review, number=number)
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    assert _texts(coder_a) == [(NotificationKind.CASE_ASSIGNED,
                                "3 cases assigned to you in “Demo review”",
                                "/reviews/demo/my-cases/")]
    assert len(_texts(coder_b)) == 1
    assert not _texts(lead)


def test_hand_assignment_names_the_case_and_tells_only_new_coders(review, coder_a, coder_b,
                                                                   lead):
    carl = factories.UserFactory(username="carl")
    factories.MembershipFactory(review=review, user=carl, role=Role.CODER)
    case = factories.CaseFactory(review=review, number="12")
    assignment_set(case=case, coders=[coder_a, coder_b], assigned_by=lead)
    assert [t[1] for t in _texts(coder_a)] == ["Case 12 assigned to you in “Demo review”"]
    assignment_replace(case=case, old_coder=coder_b, new_coder=carl, assigned_by=lead)
    assert len(_texts(coder_a)) == 1  # kept, not told again
    assert [t[1] for t in _texts(carl)] == ["Case 12 assigned to you in “Demo review”"]


def test_a_lead_assigning_themselves_is_not_notified(review, coder_a):
    factories.MembershipFactory(review=review, user=coder_a, role=Role.LEAD)
    case = factories.CaseFactory(review=review, number="4")
    assignment_set(case=case, coders=[coder_a], assigned_by=coder_a)
    assert not _texts(coder_a)


def _coded_case(review, number, coders, values=(DIFFERENT_A, DIFFERENT_B)):
    case = factories.CaseFactory(review=review, number=number)
    for coder, vals in zip(coders, values, strict=True):
        factories.AssignmentFactory(case=case, coder=coder)
        factories.coding_with_values(case=case, coder=coder, values=vals)
    return case


def test_new_disagreements_notify_adjudicators_once_per_case_not_per_attribute(
    review, coder_a, coder_b, adjudicator
):
    case = _coded_case(review, "7", [coder_a, coder_b],
                       ({**DIFFERENT_A, "budget": 1.0}, DIFFERENT_B))
    detection = disagreements_detect(case=case)
    assert len(detection.opened) == 2
    assert _texts(adjudicator) == [(NotificationKind.ADJUDICATION_NEEDED,
                                    "Case 7 of “Demo review” needs adjudication",
                                    "/reviews/demo/adjudication/7/")]
    disagreements_detect(case=case)  # nothing new: nobody told again
    assert len(_texts(adjudicator)) == 1
    assert not _texts(coder_a) and not _texts(coder_b)


def test_an_adjudicator_who_codes_the_case_is_not_told_about_it(review, coder_b,
                                                                  adjudicator):
    """They may not decide it (adjudication.policies), and it is their own case."""
    factories.MembershipFactory(review=review, user=adjudicator, role=Role.CODER)
    other = factories.UserFactory(username="otto")
    factories.MembershipFactory(review=review, user=other, role=Role.ADJUDICATOR)
    case = _coded_case(review, "8", [adjudicator, coder_b])
    disagreements_detect(case=case)
    assert not _texts(adjudicator)
    assert len(_texts(other)) == 1


def test_agreement_notifies_nobody(review, coder_a, coder_b, adjudicator):
    case = _coded_case(review, "9", [coder_a, coder_b], (DIFFERENT_A, DIFFERENT_A))
    disagreements_detect(case=case)
    assert not Notification.objects.exists()


def test_bulk_detection_sends_one_notification_per_adjudicator(review, coder_a, coder_b,
                                                                adjudicator):
    cases = [_coded_case(review, str(n), [coder_a, coder_b]) for n in (1, 2, 3)]
    disagreements_detect_many(cases=cases)
    assert _texts(adjudicator) == [(NotificationKind.ADJUDICATION_NEEDED,
                                    "3 cases of “Demo review” need adjudication",
                                    "/reviews/demo/adjudication/")]


@pytest.mark.parametrize("n", [2, 12])
def test_bulk_detection_in_discussion_mode_tells_each_coder_once_in_the_same_queries(
    review, coder_a, coder_b, adjudicator, n, django_assert_max_num_queries
):
    review.resolution_mode = ResolutionMode.DISCUSSION
    review.save()
    cases = [_coded_case(review, str(10 + i), [coder_a, coder_b]) for i in range(n)]
    for case in cases:
        disagreements_detect(case=case, notify=False)
    with django_assert_max_num_queries(8):  # not a few per case, as before
        disagreements_announce(review=review, cases=cases)
    for coder in (coder_a, coder_b):
        assert _texts(coder) == [(NotificationKind.DISCUSSION_WAITING,
                                  f"{n} cases of “Demo review”: disagreements wait for your "
                                  "discussion", "/reviews/demo/discussion/")]
    assert not _texts(adjudicator)  # they hear when a disagreement is escalated


def test_rolled_back_work_leaves_no_notification(review, coder_a, coder_b, lead):
    factories.CaseFactory(review=review, number="1")

    class DryRun(Exception):
        pass

    with pytest.raises(DryRun), transaction.atomic():
        cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
        assert Notification.objects.count() == 2
        raise DryRun
    assert not Notification.objects.exists()
    assert not Assignment.objects.exists()


def test_accepting_an_invitation_tells_the_inviting_lead(review, lead, mailoutbox):
    invitation = invitation_send(review=review, email="nina@example.org",
                                 roles=[Role.CODER, Role.ADJUDICATOR], actor=lead,
                                 base_url="http://testserver/")
    invitation_accept_new_account(invitation=invitation, username="nina", first_name="Nina",
                                  last_name="Berg", password="a-long-passphrase-9")
    assert _texts(lead) == [(NotificationKind.INVITATION_ACCEPTED,
                             "Nina Berg accepted your invitation to “Demo review” "
                             "(coder, adjudicator)", "/reviews/demo/members/")]


def test_an_inviter_who_no_longer_leads_is_not_told(review, lead, coder_a, mailoutbox):
    invitation = invitation_send(review=review, email="nina@example.org", roles=[Role.CODER],
                                 actor=lead, base_url="http://testserver/")
    factories.MembershipFactory(review=review, user=coder_a, role=Role.LEAD)
    lead.memberships.filter(review=review).delete()
    invitation_accept_new_account(invitation=invitation, username="nina", first_name="",
                                  last_name="", password="a-long-passphrase-9")
    assert not Notification.objects.exists()


def test_discussion_notice_is_refused_until_both_coders_submitted(review, coder_a, coder_b,
                                                                   outsider):
    case = factories.CaseFactory(review=review, number="5")
    for coder in (coder_a, coder_b):
        factories.AssignmentFactory(case=case, coder=coder)
    factories.coding_with_values(case=case, coder=coder_b, values=DIFFERENT_B)
    with pytest.raises(ValidationError, match="Case 5 is not coded by both coders"):
        notify_discussion_waiting(review=review, coders_by_case={case.pk: [coder_a]})
    factories.coding_with_values(case=case, coder=coder_a, values=DIFFERENT_A)
    with pytest.raises(ValidationError, match="Only the case's coders"):
        notify_discussion_waiting(review=review, coders_by_case={case.pk: [coder_a, outsider]})
    assert not Notification.objects.exists()
    notify_discussion_waiting(review=review, coders_by_case={case.pk: [coder_a, coder_b]})
    assert [t[1] for t in _texts(coder_a)] == [
        "Case 5 of “Demo review”: a disagreement waits for your discussion"]
    assert Notification.objects.get(user=coder_b).url == "/reviews/demo/discussion/5/"


def test_a_coder_hears_once_about_many_cases_waiting_for_discussion(
    review, coder_a, coder_b, django_assert_max_num_queries
):
    cases = []
    for number in ("7", "8", "9"):
        case = factories.CaseFactory(review=review, number=number)
        for coder, values in ((coder_a, DIFFERENT_A), (coder_b, DIFFERENT_B)):
            factories.AssignmentFactory(case=case, coder=coder)
            factories.coding_with_values(case=case, coder=coder, values=values)
        cases.append(case)
    with django_assert_max_num_queries(6):  # cases, complete, coders (2), one per coder
        notify_discussion_waiting(review=review, coders_by_case={
            case.pk: [coder_a, coder_b] for case in cases})
    assert [t[1] for t in _texts(coder_b)] == [
        "3 cases of “Demo review”: disagreements wait for your discussion"]
    assert Notification.objects.get(user=coder_a).url == "/reviews/demo/discussion/"


def test_round_complete_notice(review, coder_a, lead):
    notify_round_complete(review=review, users=[coder_a, lead], title="Pilot 1",
                          url="/reviews/demo/")
    assert _texts(lead) == [(NotificationKind.ROUND_COMPLETE,
                             "Calibration round “Pilot 1” of “Demo review” is complete",
                             "/reviews/demo/")]
