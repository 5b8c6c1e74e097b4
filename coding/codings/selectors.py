"""Reads about one coder's work: their queue, its counts and the next case to code."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, TextChoices, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from coding.models import (
    Assignment,
    Case,
    Coding,
    CodingStatus,
    Review,
)

NOT_STARTED = "not_started"


class QueueState(TextChoices):
    NOT_STARTED = NOT_STARTED, _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")



def own_coding_field(field: str) -> Subquery:
    """A field of the assigned coder's own coding of the assignment's case."""
    return Subquery(
        Coding.objects.filter(case=OuterRef("case"), coder=OuterRef("coder")).values(field)[:1]
    )


def coder_queue(*, review: Review, user, state: str | None = None) -> QuerySet[Assignment]:
    """The user's assignments in the review, in case order, each annotated with the
    state of *their own* coding (`coding_state`: not_started, draft or submitted) and
    `coding_updated_at`. `state` filters by that state."""
    rows = (
        Assignment.objects.filter(coder=user, case__review=review)
        .select_related("case")
        .annotate(
            coding_state=Coalesce(own_coding_field("status"), Value(NOT_STARTED)),
            coding_updated_at=own_coding_field("updated_at"),
        )
        .order_by("case__sort_key", "case__number")
    )
    if state in QueueState.values:
        rows = rows.filter(coding_state=state)
    return rows


def coder_queue_counts(*, review: Review, user) -> dict[str, int]:
    """{"total": 40, "not_started": 20, "draft": 8, "submitted": 12} for the user's queue."""
    counts = Coding.objects.filter(
        coder=user, case__review=review, case__assignments__coder=user
    ).aggregate(
        draft=Count("pk", filter=Q(status=CodingStatus.DRAFT)),
        submitted=Count("pk", filter=Q(status=CodingStatus.SUBMITTED)),
    )
    counts["total"] = Assignment.objects.filter(coder=user, case__review=review).count()
    counts["not_started"] = counts["total"] - counts["submitted"] - counts["draft"]
    return counts


def next_case(*, review: Review, user, after: Case | None = None) -> Case | None:
    """The next case the user has to code: the first assigned, unsubmitted case after
    `after` in case order, wrapping round to the start; None when all are submitted."""
    todo = (
        Case.objects.filter(review=review, assignments__coder=user)
        .exclude(codings__coder=user, codings__status=CodingStatus.SUBMITTED)
        .order_by("sort_key", "number")
    )
    if after is not None:
        todo = todo.exclude(pk=after.pk)
        later = todo.filter(
            Q(sort_key__gt=after.sort_key) | Q(sort_key=after.sort_key, number__gt=after.number)
        ).first()
        if later is not None:
            return later
    return todo.first()


# --- lead progress -------------------------------------------------------------------
