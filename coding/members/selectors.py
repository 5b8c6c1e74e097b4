"""Reads about a review's members: who holds which roles, their progress, invitations."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from coding.assignments.selectors import CoderProgress, coder_progress
from coding.models import Invitation, Membership, Review, Role

INVITATION_SALT = "coding.members.invitation"
ROLE_ORDER = list(Role.values)


@dataclass
class Member:
    user: object
    roles: list[str] = field(default_factory=list)
    joined_at: object = None
    progress: CoderProgress | None = None

    @property
    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels[role]) for role in self.roles]


def review_members(*, review: Review, viewer) -> list[Member]:
    """Everyone holding a role in the review, by username, with their roles and (for those
    with cases) their coding progress as `viewer` may see it (coder_progress); four queries
    however many members and cases. For example
    [Member(user=<alice>, roles=["coder"], progress=CoderProgress(assigned=12, ...))]."""
    members: dict[int, Member] = {}
    rows = Membership.objects.filter(review=review).select_related("user")
    for membership in rows.order_by("user__username", "created_at"):
        member = members.setdefault(
            membership.user_id, Member(membership.user, joined_at=membership.created_at)
        )
        member.roles.append(membership.role)
        member.joined_at = min(member.joined_at, membership.created_at)
    for member in members.values():
        member.roles.sort(key=ROLE_ORDER.index)
    for progress in coder_progress(review=review, viewer=viewer):
        if progress.coder.pk in members:
            members[progress.coder.pk].progress = progress
    return list(members.values())


def member_roles(*, review: Review, user) -> list[str]:
    roles = Membership.objects.filter(review=review, user=user).values_list("role", flat=True)
    return sorted(roles, key=ROLE_ORDER.index)


def pending_invitations(*, review: Review) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked, newest first (expired ones included)."""
    return review.invitations.pending().select_related("invited_by").order_by("-sent_at")


def user_by_name_or_email(identifier: str):
    """The one account with this username (exact) or e-mail (any case), or None."""
    identifier = identifier.strip()
    users = get_user_model().objects.filter(
        Q(username=identifier) | Q(email__iexact=identifier) if identifier else Q(pk=None)
    )
    found = list(users[:2])
    if len(found) == 2:
        by_username = [u for u in found if u.username == identifier]
        if by_username:
            return by_username[0]
        raise ValidationError(
            gettext(
                "Several accounts use the e-mail address %(identifier)s; give a username "
                "instead.") % {
                "identifier": identifier},
            code="ambiguous",
        )
    return found[0] if found else None


def invitation_token(invitation: Invitation) -> str:
    """The signed value in the invitation's link."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link stands for, if it may still be accepted; otherwise a
    ValidationError that says why (unknown, replaced, used, withdrawn, expired)."""
    try:
        data = signing.loads(
            token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE_DAYS * 86400
        )
    except signing.SignatureExpired:
        raise ValidationError(
            gettext("This invitation link has expired. Ask the review's lead to send it again."),
            code="expired",
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            gettext("This invitation link is not valid. Check that you copied the whole link."),
            code="invalid",
        ) from None
    invitation = (
        Invitation.objects.select_related("review", "invited_by")
        .filter(pk=data.get("i"))
        .first()
    )
    if invitation is None:
        raise ValidationError(gettext("This invitation no longer exists."), code="invalid")
    if invitation.accepted_at:
        raise ValidationError(
            gettext("This invitation has already been used. Sign in with the account it created."),
            code="used",
        )
    if invitation.revoked_at:
        raise ValidationError(gettext(
            "This invitation was withdrawn by the review's lead."), code="revoked")
    if invitation.nonce != data.get("n"):
        raise ValidationError(
            gettext("This link was replaced by a newer invitation; use the link in the "
                    "latest e-mail."),
            code="replaced",
        )
    if invitation.expires_at <= timezone.now():
        raise ValidationError(
            gettext("This invitation link has expired. Ask the review's lead to send it again."),
            code="expired",
        )
    return invitation
