"""Member services: adding, roles, removal, invitations (send, resend, revoke, accept)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from coding.members.policies import (
    invitations_acceptable_by,
    may_accept_invitation,
    may_manage_members,
    reviews_members_manageable_by,
)
from coding.members.selectors import (
    invitation_from_token,
    invitation_token,
    review_members,
    user_by_name_or_email,
)
from coding.members.services import (
    invitation_accept,
    invitation_accept_new_account,
    invitation_revoke,
    invitation_send,
    member_add,
    member_add_or_invite,
    member_remove,
    member_set_roles,
)
from coding.models import Assignment, AuditEvent, Coding, Invitation, Membership, Review
from tests import factories

BASE = "http://testserver/"


def _roles(review, user):
    return set(Membership.objects.filter(review=review, user=user).values_list("role", flat=True))


def _invite(review, lead, email="new@example.org", roles=("coder",)):
    return invitation_send(review=review, email=email, roles=roles, actor=lead, base_url=BASE)


def _link_token(message) -> str:
    return re.search(r"/invitations/([^/\s]+)/", message.body).group(1)


def test_only_leads_may_manage_members(review, lead, coder_a, adjudicator, outsider):
    assert may_manage_members(lead, review)
    for user in (coder_a, adjudicator, outsider):
        assert not may_manage_members(user, review)
    other = factories.ReviewFactory()
    assert list(reviews_members_manageable_by(lead, Review.objects.all())) == [review]
    assert other not in reviews_members_manageable_by(coder_a, Review.objects.all())


def test_adding_an_existing_user_gives_roles_and_audits(review, lead, outsider):
    member_add(review=review, user=outsider, roles=["coder", "adjudicator"], actor=lead)
    assert _roles(review, outsider) == {"coder", "adjudicator"}
    events = AuditEvent.objects.filter(action="membership.create", actor=lead, review=review)
    assert sorted(e.data["role"] for e in events) == ["adjudicator", "coder"]


def test_adding_refuses_members_unknown_roles_and_no_roles(review, lead, coder_a, outsider):
    with pytest.raises(ValidationError, match="already a member"):
        member_add(review=review, user=coder_a, roles=["coder"], actor=lead)
    with pytest.raises(ValidationError, match="Unknown role 'boss'"):
        member_add(review=review, user=outsider, roles=["boss"], actor=lead)
    with pytest.raises(ValidationError, match="at least one role"):
        member_add(review=review, user=outsider, roles=[], actor=lead)
    assert not _roles(review, outsider)


def test_add_or_invite_finds_accounts_by_username_or_email(review, lead, outsider):
    kind, user = member_add_or_invite(
        review=review, identifier="CHARLIE@example.org", roles=["coder"], actor=lead,
        base_url=BASE,
    )
    assert (kind, user) == ("member", outsider)
    assert user_by_name_or_email("charlie") == outsider
    with pytest.raises(ValidationError, match="No account has the username 'nobody'"):
        member_add_or_invite(
            review=review, identifier="nobody", roles=["coder"], actor=lead, base_url=BASE
        )


def test_changing_roles_adds_and_removes_rows_and_audits(review, lead, coder_a):
    member_set_roles(review=review, user=coder_a, roles=["adjudicator"], actor=lead)
    assert _roles(review, coder_a) == {"adjudicator"}
    actions = sorted(AuditEvent.objects.values_list("action", "data__role"))
    assert actions == [("membership.create", "adjudicator"), ("membership.delete", "coder")]


def test_the_last_lead_keeps_the_lead_role(review, lead, coder_a):
    with pytest.raises(ValidationError, match="only lead"):
        member_set_roles(review=review, user=lead, roles=["coder"], actor=lead)
    with pytest.raises(ValidationError, match="only lead"):
        member_remove(review=review, user=lead, actor=lead)
    assert _roles(review, lead) == {"lead"}
    member_add(review=review, user=factories.UserFactory(), roles=["lead"], actor=lead)
    member_remove(review=review, user=lead, actor=lead)
    assert not _roles(review, lead)


def test_removing_a_member_keeps_their_codings_and_assignments(review, lead, coder_a):
    case = factories.CaseFactory(review=review)
    Assignment.objects.create(case=case, coder=coder_a)
    coding = Coding.objects.create(case=case, coder=coder_a, codebook=review.current_codebook())
    member_remove(review=review, user=coder_a, actor=lead)
    assert not _roles(review, coder_a)
    assert Coding.objects.filter(pk=coding.pk).exists()
    assert Assignment.objects.filter(case=case, coder=coder_a).exists()
    assert AuditEvent.objects.filter(action="membership.delete", data__user="alice").exists()


def test_members_list_roles_and_progress_in_four_queries(
    review, lead, coder_a, coder_b, django_assert_max_num_queries
):
    case = factories.CaseFactory(review=review)
    Assignment.objects.create(case=case, coder=coder_a)
    # The roles, then coder_progress's three: the viewer's blind cases, the codings counted
    # by coder, the coders.
    with django_assert_max_num_queries(4):
        members = review_members(review=review, viewer=lead)
    by_name = {m.user.username: m for m in members}
    assert list(by_name) == ["alice", "bob", "lena"]
    assert by_name["alice"].roles == ["coder"]
    assert by_name["alice"].progress.assigned == 1
    assert by_name["bob"].progress.assigned == 0
    assert by_name["lena"].progress is None


def test_invitation_mails_a_signed_link_and_audits(review, lead):
    invitation = _invite(review, lead, email="New@Example.org", roles=["coder", "adjudicator"])
    assert invitation.email == "new@example.org"
    assert invitation.roles == ["coder", "adjudicator"]
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    assert "Demo review" in message.subject and "Lena" in message.subject
    assert "coder, adjudicator" in message.body.lower()
    assert invitation_from_token(_link_token(message)) == invitation
    event = AuditEvent.objects.get(action="invitation.send")
    assert event.data["email"] == "new@example.org" and event.actor == lead


def test_invitation_expiry_follows_the_setting(review, lead, settings):
    settings.INVITATION_MAX_AGE_DAYS = 2
    invitation = _invite(review, lead)
    assert timedelta(days=1, hours=23) < invitation.expires_at - timezone.now() <= timedelta(2)


def test_inviting_someone_with_an_account_or_a_bad_address_is_refused(review, lead, outsider):
    with pytest.raises(ValidationError, match="exists already"):
        _invite(review, lead, email="charlie@example.org")
    with pytest.raises(ValidationError, match="not a valid e-mail address"):
        _invite(review, lead, email="no-at-sign.example.org")
    assert not Invitation.objects.exists() and not mail.outbox


def test_inviting_again_replaces_the_link(review, lead):
    first = _invite(review, lead)
    old = _link_token(mail.outbox[0])
    second = _invite(review, lead, roles=["adjudicator"])
    assert second.pk == first.pk and second.roles == ["adjudicator"]
    with pytest.raises(ValidationError, match="replaced by a newer invitation"):
        invitation_from_token(old)
    assert invitation_from_token(_link_token(mail.outbox[1])) == second
    assert AuditEvent.objects.filter(action="invitation.resend").exists()


def test_an_unsendable_invitation_saves_nothing(review, lead, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(ValidationError, match="could not be sent"):
        _invite(review, lead)
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="invitation").exists()


def test_accepting_creates_the_account_with_the_roles_once(review, lead):
    _invite(review, lead, roles=["coder"])
    token = _link_token(mail.outbox[0])
    user = invitation_accept_new_account(
        invitation=invitation_from_token(token), username="nina", first_name="Nina",
        last_name="Nowak", password="a-long-new-password",
    )
    assert user.email == "new@example.org" and user.check_password("a-long-new-password")
    assert not user.is_staff and not user.is_superuser
    assert _roles(review, user) == {"coder"}
    assert AuditEvent.objects.get(action="invitation.accept").actor == user
    with pytest.raises(ValidationError, match="already been used"):
        invitation_from_token(token)


def test_accepting_refuses_a_taken_username_and_creates_nothing(review, lead, coder_a):
    invitation = _invite(review, lead)
    with pytest.raises(ValidationError, match="username ALICE is taken"):
        invitation_accept_new_account(
            invitation=invitation, username="ALICE", first_name="A", last_name="",
            password="a-long-new-password",
        )
    assert not get_user_model().objects.filter(email="new@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_expired_and_revoked_invitations_do_not_work(review, lead):
    invitation = _invite(review, lead)
    token = invitation_token(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(ValidationError, match="expired"):
        invitation_from_token(token)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(1))
    invitation_revoke(invitation=invitation, actor=lead)
    with pytest.raises(ValidationError, match="withdrawn"):
        invitation_from_token(token)
    with pytest.raises(ValidationError, match="not valid"):
        invitation_from_token(token[:-3] + "abc")
    assert AuditEvent.objects.filter(action="invitation.revoke").exists()


def test_a_signed_in_user_may_accept_with_the_account_holding_the_address(
    review, lead, coder_a
):
    invitation = _invite(review, lead, email="alice.new@example.org", roles=["adjudicator"])
    coder_a.email = "Alice.New@Example.org"  # the administrator changed her address since
    coder_a.save()
    roles = invitation_accept(invitation=invitation, user=coder_a)
    assert roles == ["coder", "adjudicator"]
    assert _roles(review, coder_a) == {"coder", "adjudicator"}


@pytest.mark.parametrize("roles", [["lead"], ["coder"]])
def test_an_invitation_cannot_be_taken_by_an_account_without_its_address(
    review, lead, outsider, roles
):
    invitation = _invite(review, lead, email="someone@example.org", roles=roles)
    with pytest.raises(ValidationError, match="does not hold that address") as error:
        invitation_accept(invitation=invitation, user=outsider)
    assert error.value.code == "wrong_account"
    assert _roles(review, outsider) == set()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    # An account with no address at all holds no invited address either.
    nobody = factories.UserFactory(username="nobody", email="")
    with pytest.raises(ValidationError, match="does not hold that address"):
        invitation_accept(invitation=invitation, user=nobody)
    assert not may_accept_invitation(outsider, invitation)
    assert list(invitations_acceptable_by(outsider, Invitation.objects.all())) == []
    holder = factories.UserFactory(username="sam", email="SOMEONE@example.org")
    assert may_accept_invitation(holder, invitation)
    assert list(invitations_acceptable_by(holder, Invitation.objects.all())) == [invitation]
    assert invitation_accept(invitation=invitation, user=holder) == roles


def test_a_new_account_is_created_with_the_invited_address_only_once(review, lead):
    invitation = _invite(review, lead, email="someone@example.org", roles=["lead"])
    factories.UserFactory(username="sam", email="Someone@example.org")
    with pytest.raises(ValidationError, match="exists already") as error:
        invitation_accept_new_account(
            invitation=invitation, username="other", first_name="O", last_name="",
            password="a-long-new-password",
        )
    assert error.value.code == "has_account"
    assert not get_user_model().objects.filter(username="other").exists()
