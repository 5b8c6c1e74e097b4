"""Who may manage a review's candidate records (import, settle duplicates, make cases of included
ones): whoever opens its Records page (coding.reviews.policies.PAGE_ROLES["records"], the
leads). Who may read one record: any member (a case's page links to the record it came from)."""

from django.db.models import QuerySet

from coding.models import Record, Review
from coding.reviews.policies import is_member, may_open_page


def may_manage_records(user, review: Review) -> bool:
    return may_open_page(user, review, "records")


def record_visible_to(user, record: Record) -> bool:
    return is_member(user, record.review)


def records_visible_to(user, queryset: QuerySet[Record]) -> QuerySet[Record]:
    """The records of `queryset` in reviews `user` is a member of."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(review__memberships__user=user).distinct()
