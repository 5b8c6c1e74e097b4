"""Who may manage a review's members and invitations (the review's leads, no staff flag), and
who may accept an invitation (only an account that holds the invited address)."""

from django.db.models import QuerySet
from django.utils.translation import gettext

from coding.models import Invitation, Review, Role
from coding.reviews.policies import get_review_for_page, is_lead


def may_manage_members(user, review: Review) -> bool:
    return is_lead(user, review)


def reviews_members_manageable_by(user, queryset: QuerySet[Review]) -> QuerySet[Review]:
    """The reviews of `queryset` whose members `user` may manage."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(memberships__user=user, memberships__role=Role.LEAD).distinct()


def memberships_manageable_by(user, queryset: QuerySet) -> QuerySet:
    """Memberships (or invitations: anything with a `review`) of reviews `user` leads."""
    if not user.is_authenticated:
        return queryset.none()
    led = reviews_members_manageable_by(user, Review.objects.all())
    return queryset.filter(review__in=led)


def get_review_for_member_manager(user, slug: str) -> Review:
    """The review if `user` may manage its members, else 404 (as for any lead page)."""
    return get_review_for_page(user, slug, "members")


# --------------------------------------------------------------------------- accepting
# An invitation is mailed to one address; the link in that mail proves that whoever opens it
# reads that mailbox. It is not a bearer token: it gives roles only to an account holding the
# invited address. A new account is created with that address (invitation_accept_new_account);
# an existing account must already hold it (compared without regard to case). Only the
# administrator sets an existing account's address (there is no self-service address change),
# so "holds the address" plus "arrived through the mailed link while signed in as it" is the
# proof that the account and the mailbox belong to one person.


def _address(value: str | None) -> str:
    return (value or "").strip().lower()


def invitation_accept_refusal(user, invitation: Invitation) -> str | None:
    """Why `user` (signed in, with their own account) may not accept `invitation`, or None."""
    if not user.is_authenticated:
        return gettext("Sign in, or create the account this invitation is for.")
    if not user.is_active:
        return gettext("The account %(username)s is deactivated.") % {"username": user.username}
    if not _address(user.email) or _address(user.email) != _address(invitation.email):
        return gettext(
            "This invitation is for %(email)s, and the account %(username)s does not hold "
            "that address. Sign in with the account that does, or sign out and create one "
            "for this invitation."
        ) % {"email": invitation.email, "username": user.username}
    return None


def may_accept_invitation(user, invitation: Invitation) -> bool:
    return invitation_accept_refusal(user, invitation) is None


def invitations_acceptable_by(user, queryset: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """The invitations of `queryset` that `user` may accept with their own account."""
    if not user.is_authenticated or not user.is_active or not _address(user.email):
        return queryset.none()
    return queryset.filter(email__iexact=_address(user.email))
