"""The members page (leads) and the invitation page (anyone with the link)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from coding.models import AuditEvent, Invitation, Membership, Role
from tests import factories


def _url(review, name="members", *args):
    return reverse(f"coding:{name}", args=[review.slug, *args])


def _link(message) -> str:
    return re.search(r"http://testserver(/invitations/[^/\s]+/)", message.body).group(1)


@pytest.mark.parametrize(
    "actor, expected",
    [("anonymous", 302), ("outsider", 404), ("coder_a", 404), ("adjudicator", 404),
     ("lead", 200)],
)
def test_members_page_access(client, request, review, actor, expected):
    for fixture in ("coder_a", "adjudicator", "lead", "outsider"):
        request.getfixturevalue(fixture)
    if actor != "anonymous":
        client.force_login(request.getfixturevalue(actor))
    assert client.get(_url(review)).status_code == expected
    response = client.post(_url(review, "member_add"), {"identifier": "x@example.org",
                                                         "roles": ["coder"]})
    assert response.status_code == (302 if actor in ("anonymous", "lead") else 404)
    assert Invitation.objects.exists() == (actor == "lead")


def test_members_page_lists_roles_and_progress_and_nav_links_it(
    client, review, lead, coder_a, django_assert_max_num_queries
):
    case = factories.CaseFactory(review=review)
    factories.AssignmentFactory(case=case, coder=coder_a)
    client.force_login(lead)
    with django_assert_max_num_queries(10):  # 9, and the header's unread notifications
        page = client.get(_url(review)).content.decode()
    for _ in range(20):  # the number of queries does not grow with the members
        factories.MembershipFactory(review=review, user=factories.UserFactory())
    with django_assert_max_num_queries(10):
        assert client.get(_url(review)).status_code == 200
    assert 'href="/reviews/demo/members/" aria-current="page">Members</a>' in page
    assert "0 of 1 submitted" in page
    assert re.search(r'value="coder" checked', page)


def test_a_non_staff_lead_adds_a_user_by_email(client, review, lead, outsider):
    assert not lead.is_staff and not lead.is_superuser
    client.force_login(lead)
    response = client.post(_url(review, "member_add"),
                           {"identifier": "charlie@example.org", "roles": ["adjudicator"]},
                           follow=True)
    assert "Charlie is now a member" in response.content.decode()
    assert Membership.objects.filter(review=review, user=outsider, role=Role.ADJUDICATOR).exists()


def test_a_bad_entry_is_named_on_the_page(client, review, lead, coder_a):
    client.force_login(lead)
    response = client.post(_url(review, "member_add"), {"identifier": "alice",
                                                         "roles": ["coder"]})
    assert response.status_code == 400
    assert "Alice is already a member of this review" in response.content.decode()
    response = client.post(_url(review, "member_add"), {"identifier": "x@example.org"})
    assert "Choose at least one role." in response.content.decode()


def test_lead_changes_roles_and_removes_a_member(client, review, lead, coder_a):
    client.force_login(lead)
    client.post(_url(review, "member_roles"), {"user": "alice", "roles": ["coder", "lead"]})
    assert set(Membership.objects.filter(user=coder_a).values_list("role", flat=True)) == {
        "coder", "lead"}
    response = client.post(_url(review, "member_roles"), {"user": "lena", "roles": []},
                           follow=True)
    assert "Choose at least one role." in response.content.decode()
    response = client.post(_url(review, "member_remove"), {"user": "alice"}, follow=True)
    assert "Alice is no longer a member" in response.content.decode()
    assert not Membership.objects.filter(user=coder_a).exists()
    assert client.post(_url(review, "member_remove"), {"user": "charlie"}).status_code == 404


def test_the_invitation_link_creates_the_account_and_lands_in_the_queue(client, review, lead):
    client.force_login(lead)
    client.post(_url(review, "member_add"), {"identifier": "nina@example.org",
                                             "roles": ["coder"]})
    link = _link(mail.outbox[0])
    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Join “Demo review”" in page.content.decode()
    response = client.post(link, {"username": "nina", "first_name": "Nina", "last_name": "N",
                                  "password1": "a-long-new-password",
                                  "password2": "a-long-new-password"})
    assert response.status_code == 302
    assert response.url == reverse("coding:queue", args=[review.slug])
    nina = get_user_model().objects.get(username="nina")
    assert client.session["_auth_user_id"] == str(nina.pk)
    assert Membership.objects.filter(review=review, user=nina, role=Role.CODER).exists()
    assert client.get(response.url).status_code == 200
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_the_invitation_form_names_its_errors(client, review, lead, coder_a):
    client.force_login(lead)
    client.post(_url(review, "member_add"), {"identifier": "nina@example.org",
                                             "roles": ["coder"]})
    link = _link(mail.outbox[0])
    client.logout()
    response = client.post(link, {"username": "alice", "first_name": "Nina",
                                  "password1": "a-long-new-password",
                                  "password2": "a-long-new-password"})
    assert response.status_code == 400
    assert "The username alice is taken" in response.content.decode()
    response = client.post(link, {"username": "nina", "first_name": "Nina",
                                  "password1": "12345678", "password2": "12345679"})
    assert "The two passwords differ." in response.content.decode()
    assert not get_user_model().objects.filter(username="nina").exists()


def test_a_withdrawn_or_forged_link_says_so(client, review, lead):
    client.force_login(lead)
    client.post(_url(review, "member_add"), {"identifier": "nina@example.org",
                                             "roles": ["coder"]})
    link = _link(mail.outbox[0])
    invitation = Invitation.objects.get()
    response = client.post(_url(review, "invitation_revoke", invitation.pk), follow=True)
    assert "withdrawn" in response.content.decode()
    client.logout()
    assert "withdrawn by the review" in client.get(link).content.decode()
    forged = client.get("/invitations/not-a-token/")
    assert forged.status_code == 404 and "not valid" in forged.content.decode()
    assert AuditEvent.objects.filter(action="invitation.revoke").count() == 1


def test_a_signed_in_person_joins_with_the_account_holding_the_invited_address(
    client, review, lead
):
    client.force_login(lead)
    client.post(_url(review, "member_add"), {"identifier": "someone@example.org",
                                             "roles": ["adjudicator"]})
    link = _link(mail.outbox[0])
    # The administrator made an account for that address after the invitation went out.
    sam = factories.UserFactory(username="sam", email="Someone@Example.org")
    client.force_login(sam)
    page = client.get(link).content.decode()
    assert "Join as sam" in page and "Create my account" not in page
    response = client.post(link, {"as_current": "1"})
    assert response.url == reverse("coding:adjudication_queue", args=[review.slug])
    assert Membership.objects.filter(review=review, user=sam, role=Role.ADJUDICATOR).exists()
    assert get_user_model().objects.filter(email__iexact="someone@example.org").count() == 1


def test_a_lead_invitation_opened_by_another_account_is_refused(client, review, lead, outsider):
    client.force_login(lead)
    client.post(_url(review, "member_add"), {"identifier": "someone@example.org",
                                             "roles": ["lead"]})
    link = _link(mail.outbox[0])
    client.force_login(outsider)  # charlie@example.org, who was forwarded the link
    page = client.get(link).content.decode()
    assert "Join as charlie" not in page
    assert "This invitation is for someone@example.org" in page
    response = client.post(link, {"as_current": "1"})
    assert response.status_code == 403
    assert "does not hold that address" in response.content.decode()
    assert not Membership.objects.filter(review=review, user=outsider).exists()
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is None and invitation.accepted_by is None
    assert not AuditEvent.objects.filter(action="invitation.accept").exists()


def test_a_new_account_for_an_address_that_has_one_is_refused(client, review, lead):
    client.force_login(lead)
    client.post(_url(review, "member_add"), {"identifier": "someone@example.org",
                                             "roles": ["lead"]})
    link = _link(mail.outbox[0])
    client.logout()
    factories.UserFactory(username="sam", email="someone@example.org")
    response = client.post(link, {"username": "another", "first_name": "A",
                                  "password1": "a-long-new-password",
                                  "password2": "a-long-new-password"})
    assert response.status_code == 400
    assert "exists already. Sign in with it" in response.content.decode()
    assert not get_user_model().objects.filter(username="another").exists()
    assert not Membership.objects.filter(review=review, role=Role.LEAD).exclude(
        user=lead).exists()
