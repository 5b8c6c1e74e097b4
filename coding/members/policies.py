"""Who may manage a review's members and invitations: the review's leads (no staff flag)."""

from django.db.models import QuerySet

from coding.models import Review, Role
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
