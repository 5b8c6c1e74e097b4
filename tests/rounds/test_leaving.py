"""A round coder who leaves the review or loses the coder role leaves its open rounds: the
round completes with the coders who remain, and says so when fewer than two remain."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from coding import models
from coding.members.services import member_remove, member_set_roles, membership_save
from coding.rounds.policies import round_coding_visible_to
from coding.rounds.selectors import round_report
from coding.rounds.services import round_coding_save_draft, round_create
from tests.rounds.conftest import AGREE, code


def _codes_everything(round_, cases, *coders):
    for case in cases[:2]:
        for coder in coders:
            code(round_, case, coder, AGREE)


def test_removing_a_round_coder_completes_the_round_the_others_finished(
        pilot, cases, coder_a, coder_b, coder_c, lead):
    _codes_everything(pilot, cases, coder_a, coder_b)
    code(pilot, cases[0], coder_c, AGREE | {"level": "state"})
    draft = code(pilot, cases[1], coder_c, AGREE, submit=False)

    member_remove(review=pilot.review, user=coder_c, actor=lead)

    pilot.refresh_from_db()
    assert pilot.status == "complete"
    assert list(pilot.coders.order_by("username")) == [coder_a, coder_b]
    leave = models.AuditEvent.objects.get(action="round.coder_leave")
    assert leave.actor == lead and leave.data == {"number": 1, "coder": "carol"}
    assert models.AuditEvent.objects.filter(action="round.complete", actor=lead).count() == 1
    told = models.Notification.objects.filter(kind="round_complete").values_list("user", flat=True)
    assert sorted(told) == sorted(u.pk for u in (coder_a, coder_b, lead))
    # Carol's codings are kept (drafts are never lost) but no longer count in the round.
    assert models.RoundCoding.objects.filter(pk=draft.pk, status="draft").exists()
    report = round_report(round_=pilot, user=lead)
    assert report["coders"] == ["alice", "bob"]
    assert report["attributes"][0]["rows"][0]["percent_agreement"] == 1.0


def test_losing_the_coder_role_ends_the_round_place(pilot, cases, coder_a, coder_b, coder_c,
                                                    lead):
    code(pilot, cases[0], coder_c, AGREE, submit=False)
    member_set_roles(review=pilot.review, user=coder_c, roles=["adjudicator"], actor=lead)
    assert list(pilot.coders.order_by("username")) == [coder_a, coder_b]
    pilot.refresh_from_db()
    assert pilot.status == "open"  # Alice and Bob have not coded yet
    _codes_everything(pilot, cases, coder_a, coder_b)
    pilot.refresh_from_db()
    assert pilot.status == "complete"


def test_admin_changing_the_coder_row_ends_the_round_place(pilot, coder_c, lead):
    membership = models.Membership.objects.get(review=pilot.review, user=coder_c)
    membership.role = models.Role.ADJUDICATOR
    membership_save(membership=membership, actor=lead, changed=["role"])
    assert not pilot.coders.filter(pk=coder_c.pk).exists()


def test_keeping_the_coder_role_keeps_the_round_place(pilot, coder_c, lead):
    member_set_roles(review=pilot.review, user=coder_c, roles=["coder", "adjudicator"],
                     actor=lead)
    assert pilot.coders.filter(pk=coder_c.pk).exists()
    assert not models.AuditEvent.objects.filter(action="round.coder_leave").exists()


def test_complete_round_keeps_its_coders_and_results(pilot, cases, coder_a, coder_b, coder_c,
                                                     lead):
    _codes_everything(pilot, cases, coder_a, coder_b, coder_c)
    member_remove(review=pilot.review, user=coder_c, actor=lead)
    assert pilot.coders.filter(pk=coder_c.pk).exists()
    assert round_report(round_=pilot, user=lead)["coders"] == ["alice", "bob", "carol"]


def test_someone_who_left_cannot_change_their_round_coding(client, pilot, cases, coder_c,
                                                           lead):
    draft = code(pilot, cases[0], coder_c, AGREE, submit=False)
    member_set_roles(review=pilot.review, user=coder_c, roles=["adjudicator"], actor=lead)
    with pytest.raises(ValidationError, match="no longer code in this round"):
        round_coding_save_draft(coding=draft, values={"budget": {"value": 1}},
                                expected_version=draft.version, user=coder_c)
    client.force_login(coder_c)
    assert client.get("/reviews/demo/rounds/1/cases/1/code/").status_code == 404
    assert client.get("/reviews/demo/rounds/1/").status_code == 404


def test_leaving_tells_the_remaining_coders_nothing_about_each_other(pilot, cases, coder_a,
                                                                     coder_b, coder_c, lead):
    alice = code(pilot, cases[0], coder_a, AGREE)
    carol = code(pilot, cases[0], coder_c, AGREE)
    bob = code(pilot, cases[0], coder_b, AGREE, submit=False)
    member_remove(review=pilot.review, user=coder_c, actor=lead)
    # Bob has not submitted case 1: Alice still sees neither his draft nor Carol's coding.
    assert not round_coding_visible_to(coder_a, bob)
    assert not round_coding_visible_to(coder_a, carol)
    assert not round_coding_visible_to(coder_b, alice)
    assert not round_coding_visible_to(lead, alice)


def test_round_left_with_one_coder_says_it_cannot_complete(client, review, cases, coder_a,
                                                           coder_b, lead):
    round_ = round_create(review=review, title="Pair", cases=cases[:1],
                          coders=[coder_a, coder_b], user=lead)
    member_remove(review=review, user=coder_b, actor=lead)
    code(round_, cases[0], coder_a, AGREE)
    round_.refresh_from_db()
    assert round_.status == "open"
    assert not models.Notification.objects.filter(kind="round_complete").exists()
    for user in (lead, coder_a):
        client.force_login(user)
        page = client.get("/reviews/demo/rounds/1/")
        assert page.status_code == 200
        assert 'id="round-short"' in page.text
        assert "Only Alice still codes in this round" in page.text
        assert "cannot complete" in page.text
        api = APIClient()
        api.force_authenticate(user)
        detail = api.get("/api/reviews/demo/rounds/1/").json()
        assert detail["short_of_coders"] is True and detail["coders"] == ["alice"]


def test_only_the_reviews_coders_may_be_round_coders(review, cases, coder_a, adjudicator,
                                                     lead):
    with pytest.raises(ValidationError, match="Not coders of this review: ada"):
        round_create(review=review, title="P", cases=cases, coders=[coder_a, adjudicator],
                     user=lead)
    assert not models.Round.objects.exists()


@pytest.mark.parametrize("surface", ["page", "api", "admin"])
def test_every_surface_that_removes_a_member_ends_their_round_place(
        client, pilot, cases, coder_a, coder_b, coder_c, lead, surface):
    """The pages, the API and the admin remove members through the same service, so the
    round completes whichever one the lead uses."""
    _codes_everything(pilot, cases, coder_a, coder_b)
    if surface == "page":
        client.force_login(lead)
        response = client.post("/reviews/demo/members/remove/", {"user": "carol"})
        assert response.status_code == 302
    elif surface == "api":
        api = APIClient()
        api.force_authenticate(lead)
        assert api.delete("/api/reviews/demo/members/?user=carol").status_code == 204
    else:
        lead.is_staff = True
        lead.save()
        client.force_login(lead)
        membership = models.Membership.objects.get(review=pilot.review, user=coder_c)
        response = client.post(f"/admin/coding/membership/{membership.pk}/delete/",
                               {"post": "yes"})
        assert response.status_code == 302
    pilot.refresh_from_db()
    assert pilot.status == "complete"
    assert list(pilot.coders.order_by("username")) == [coder_a, coder_b]
