"""Writes to a review's membership: the one place that adds, changes and removes roles and
sends, revokes and accepts invitations, each change recorded in the audit log. The pages,
the API and the admin all call these."""

import logging
import secrets
import smtplib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from coding.audit.services import audit_record
from coding.members.policies import invitation_accept_refusal
from coding.members.selectors import (
    ROLE_ORDER,
    invitation_token,
    member_roles,
    user_by_name_or_email,
)
from coding.models import Invitation, Membership, Review, Role
from coding.notifications.services import notify_invitation_accepted
from coding.rounds.services import round_coder_leave

logger = logging.getLogger(__name__)


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [role for role in roles if role not in ROLE_ORDER]
    if unknown:
        raise ValidationError(
            gettext(
                "Unknown role %(unknown)s; roles are %(role_order)s.") % {
                "unknown": ', '.join(map(repr, unknown)), "role_order": ', '.join(ROLE_ORDER)},
            code="invalid_role",
        )
    if not roles:
        raise ValidationError(gettext("Choose at least one role."), code="no_role")
    return sorted(roles, key=ROLE_ORDER.index)


def _name(user) -> str:
    return user.get_full_name() or user.username


def _keep_a_lead(*, review: Review, user) -> None:
    """Refuse to take the lead role from the review's last lead (nobody could manage it)."""
    others = Membership.objects.filter(review=review, role=Role.LEAD).exclude(user=user)
    if not others.exists():
        raise ValidationError(
            gettext(
                "%(name)s is the review's only lead; make someone else a lead first.") % {
                "name": _name(user)},
            code="last_lead",
        )


# --------------------------------------------------------------------------- one role


@transaction.atomic
def membership_save(*, membership: Membership, actor, changed: Iterable[str] = ()) -> Membership:
    """Create or change one membership row (one role of one person), audited. The admin
    edits memberships row by row through this."""
    is_new = membership.pk is None
    membership.full_clean()
    membership.save()
    data = {"user": membership.user.username, "role": membership.role}
    if not is_new and changed:
        data["changed"] = sorted(changed)
    audit_record(
        actor=actor,
        action="membership.create" if is_new else "membership.change",
        obj=membership,
        review=membership.review,
        data=data,
    )
    # A row changed from the coder role to another (the admin edits rows) ends round places.
    round_coder_leave(review=membership.review, user=membership.user, actor=actor)
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor) -> None:
    """Delete one membership row, audited. The person's codings and assignments stay; without
    the coder role they leave the review's open calibration rounds (round_coder_leave)."""
    audit_record(
        actor=actor,
        action="membership.delete",
        obj=membership,
        review=membership.review,
        data={"user": membership.user.username, "role": membership.role},
    )
    membership.delete()
    round_coder_leave(review=membership.review, user=membership.user, actor=actor)


# --------------------------------------------------------------------------- one person


@transaction.atomic
def member_add(*, review: Review, user, roles: Iterable[str], actor) -> list[str]:
    """Give an existing account its first roles in the review; returns the roles."""
    roles = _clean_roles(roles)
    if member_roles(review=review, user=user):
        raise ValidationError(
            gettext(
                "%(name)s is already a member of this review; change their roles instead.") % {
                "name": _name(user)},
            code="already_member",
        )
    if not user.is_active:
        raise ValidationError(gettext(
            "The account %(username)s is deactivated.") % {
            "username": user.username}, code="inactive")
    for role in roles:
        membership_save(membership=Membership(review=review, user=user, role=role), actor=actor)
    return roles


@transaction.atomic
def member_set_roles(*, review: Review, user, roles: Iterable[str], actor) -> list[str]:
    """Make `roles` exactly the member's roles (at least one; to remove use member_remove)."""
    roles = _clean_roles(roles)
    held = member_roles(review=review, user=user)
    if not held:
        raise ValidationError(gettext(
            "%(name)s is not a member of this review.") % {
            "name": _name(user)}, code="not_member")
    if Role.LEAD in held and Role.LEAD not in roles:
        _keep_a_lead(review=review, user=user)
    for membership in Membership.objects.filter(review=review, user=user).exclude(role__in=roles):
        membership_delete(membership=membership, actor=actor)
    for role in roles:
        if role not in held:
            membership_save(
                membership=Membership(review=review, user=user, role=role), actor=actor
            )
    return roles


@transaction.atomic
def member_remove(*, review: Review, user, actor) -> None:
    """Take every role in the review from `user`. Their codings stay, and so do their
    assignments until a lead reassigns the cases (Progress page)."""
    memberships = list(Membership.objects.filter(review=review, user=user).select_related("user"))
    if not memberships:
        raise ValidationError(gettext(
            "%(name)s is not a member of this review.") % {
            "name": _name(user)}, code="not_member")
    if any(m.role == Role.LEAD for m in memberships):
        _keep_a_lead(review=review, user=user)
    for membership in memberships:
        membership_delete(membership=membership, actor=actor)


# --------------------------------------------------------------------------- invitations


def member_add_or_invite(
    *, review: Review, identifier: str, roles: Iterable[str], actor, base_url: str
) -> tuple[str, object]:
    """Add the account named by username or e-mail, or, for an e-mail address without an
    account, send an invitation. Returns ("member", user) or ("invitation", invitation)."""
    identifier = identifier.strip()
    if not identifier:
        raise ValidationError(gettext("Give a username or an e-mail address."), code="required")
    user = user_by_name_or_email(identifier)
    if user is not None:
        member_add(review=review, user=user, roles=roles, actor=actor)
        return "member", user
    if "@" not in identifier:
        raise ValidationError(
            gettext(
                "No account has the username '%(identifier)s'. To invite someone new, give "
                "their e-mail address.") % {
                "identifier": identifier},
            code="no_user",
        )
    invitation = invitation_send(
        review=review, email=identifier, roles=roles, actor=actor, base_url=base_url
    )
    return "invitation", invitation


def _send_invitation_mail(*, invitation: Invitation, base_url: str) -> None:
    link = base_url.rstrip("/") + reverse(
        "coding:invitation_accept", args=[invitation_token(invitation)]
    )
    labels = dict(Role.choices)
    context = {
        "invitation": invitation,
        "review": invitation.review,
        "inviter": (_name(invitation.invited_by) if invitation.invited_by
                    else gettext("A review lead")),
        "roles": [str(labels[role]) for role in invitation.roles],
        "link": link,
    }
    subject = render_to_string("coding/email/invitation_subject.txt", context)
    body = render_to_string("coding/email/invitation_body.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [invitation.email])
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Invitation mail to %s failed: %s", invitation.email, error)
        raise ValidationError(
            gettext(
                "The invitation e-mail to %(email)s could not be sent (%(error)s). Nothing was "
                "saved; check the e-mail settings (EMAIL_HOST and friends).") % {
                "email": invitation.email, "error": error},
            code="mail_failed",
        ) from None


@transaction.atomic
def invitation_send(
    *, review: Review, email: str, roles: Iterable[str], actor, base_url: str
) -> Invitation:
    """Invite someone without an account by e-mail. Inviting the same address again while
    an invitation is pending sends a fresh link (the old one stops working) with these
    roles. The mail goes out before the transaction ends: if it cannot be sent, nothing
    is saved."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            gettext("'%(email)s' is not a valid e-mail address.") % {"email": email},
            code="bad_email"
        ) from None
    roles = _clean_roles(roles)
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise ValidationError(
            gettext(
                "An account with the e-mail address %(email)s exists already; add it as a "
                "member.") % {
                "email": email},
            code="has_account",
        )
    now = timezone.now()
    expires = now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    invitation = (
        Invitation.objects.select_for_update().pending().filter(review=review, email=email).first()
    )
    action = "invitation.resend" if invitation else "invitation.send"
    if invitation is None:
        invitation = Invitation(review=review, email=email)
    invitation.roles = roles
    invitation.invited_by = actor
    invitation.sent_at = now
    invitation.expires_at = expires
    invitation.nonce = secrets.token_hex(16)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # another lead invited the same address a moment ago
        raise ValidationError(
            gettext(
                "%(email)s was invited a moment ago; see Invitations waiting.") % {
                "email": email}, code="duplicate"
        ) from None
    audit_record(
        actor=actor, action=action, obj=invitation, review=review,
        data={"email": email, "roles": roles, "expires_at": expires.isoformat(timespec="seconds")},
    )
    _send_invitation_mail(invitation=invitation, base_url=base_url)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> None:
    """Withdraw a pending invitation: its link stops working."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(gettext("This invitation is no longer pending."), code="not_pending")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, action="invitation.revoke", obj=invitation, review=invitation.review,
        data={"email": invitation.email, "roles": invitation.roles},
    )


def _accept(*, invitation: Invitation, user) -> list[str]:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at or locked.revoked_at or locked.nonce != invitation.nonce:
        raise ValidationError(gettext("This invitation has already been used."), code="used")
    if locked.expires_at <= timezone.now():
        raise ValidationError(gettext("This invitation link has expired."), code="expired")
    # Only an account holding the invited address takes the roles (members/policies.py);
    # asked here so that no path (page, a future API, a script) can skip it.
    refusal = invitation_accept_refusal(user, locked)
    if refusal:
        raise ValidationError(refusal, code="wrong_account")
    held = member_roles(review=invitation.review, user=user)
    for role in invitation.roles:
        if role not in held:
            membership_save(
                membership=Membership(review=invitation.review, user=user, role=role), actor=user
            )
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=user, action="invitation.accept", obj=locked, review=invitation.review,
        data={"email": invitation.email, "roles": invitation.roles, "user": user.username},
    )
    notify_invitation_accepted(invitation=locked, user=user)
    return sorted(set(held) | set(invitation.roles), key=ROLE_ORDER.index)


@transaction.atomic
def invitation_accept_new_account(
    *, invitation: Invitation, username: str, first_name: str, last_name: str, password: str
):
    """Create the invitee's account (e-mail from the invitation) and give it the invited
    roles. The link works once. Returns the new user. If an account holding the invited
    address exists by now, the invitee signs in with it instead (one account per address)."""
    User = get_user_model()
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            gettext(
                "An account with the e-mail address %(email)s exists already. Sign in with "
                "it and open this link again to join."
            ) % {"email": invitation.email},
            code="has_account",
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(gettext(
            "The username %(username)s is taken; choose another.") % {
            "username": username}, code="taken")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, email=invitation.email, password=password,
                first_name=first_name, last_name=last_name,
            )
    except IntegrityError:
        raise ValidationError(
            gettext(
                "The username %(username)s is taken; choose another.") % {
                "username": username}, code="taken"
        ) from None
    _accept(invitation=invitation, user=user)
    return user


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> list[str]:
    """A signed-in person accepts with the account they have, which must hold the invited
    address (members/policies.py, invitation_accept_refusal); returns their roles now."""
    return _accept(invitation=invitation, user=user)
