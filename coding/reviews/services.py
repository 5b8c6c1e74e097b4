"""Publishing a review: a lead opens its consensus data to the public, or withdraws it; the
resolution mode (adjudicator, or discussion first); and the review's data version, bumped by
every service that changes what readers see."""

from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext, gettext_lazy

from coding.audit.services import audit_record
from coding.models import ResolutionMode, Review
from coding.reviews.policies import (
    may_change_reliability_thresholds,
    may_change_resolution_mode,
    may_create_or_delete_reviews,
    may_publish,
)


def review_data_changed(*, review: Review | int) -> None:
    """Bump the review's data version: call it inside the transaction of every change a reader
    can see (cases, codebook, public consensus, publishing). One atomic UPDATE, so concurrent
    changes each count and every app server reads the same version once the change commits.
    Cached reader data is keyed by the version (coding.public.cache), so it is never stale: a
    reader reads the version first and the data after, so data cached under a version is at
    least as new as that version."""
    review_id = review.pk if isinstance(review, Review) else review
    Review.objects.filter(pk=review_id).update(data_version=F("data_version") + 1)
    transaction.on_commit(partial(_dashboard_warm_queue, review_id), robust=True)
    if isinstance(review, Review):
        # Deferred: read again on access, and left out of a later save() of this instance.
        review.__dict__.pop("data_version", None)


def _dashboard_warm_queue(review_id: int) -> None:
    """The dashboard of the new version, computed in the background (coding.public.tasks) so
    readers find it cached; a reader who comes first computes it, and the task finds it done."""
    from coding.public.tasks import warm_dashboard

    warm_dashboard.enqueue(review_id=review_id)


@transaction.atomic
def review_set_published(*, review: Review, actor, published: bool) -> bool:
    """Publish (`published=True`) or withdraw a review. Only its leads may. Returns whether
    anything changed; a change is recorded in the audit log."""
    if not may_publish(actor, review):
        raise ValidationError("Only a lead of this review can publish or withdraw it.")
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_published == published:
        return False
    review.is_published = published
    review.save(update_fields=["is_published"])
    review_data_changed(review=review)
    audit_record(
        actor=actor, action="review.publish" if published else "review.withdraw", obj=review,
        review=review, data={"is_published": published},
    )
    return True


@transaction.atomic
def review_set_resolution_mode(*, review: Review, actor, mode: str) -> bool:
    """Set how the review's disagreements are settled: "adjudicator" or "discussion" (the two
    coders discuss first, coding.adjudication.policies). Only its leads may. Returns whether
    anything changed; a change is recorded in the audit log. Disagreements under discussion
    when a lead switches to "adjudicator" go to the adjudicators' queue; open ones when a
    lead switches to "discussion" wait for the coders."""
    if not may_change_resolution_mode(actor, review):
        raise ValidationError("Only a lead of this review can change how disagreements are "
                              "settled.", code="role")
    if mode not in ResolutionMode.values:
        raise ValidationError(
            f"Choose a resolution mode: {', '.join(ResolutionMode.values)}.", code="mode"
        )
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.resolution_mode == mode:
        return False
    before = review.resolution_mode
    review.resolution_mode = mode
    review.save(update_fields=["resolution_mode"])
    audit_record(
        actor=actor, action="review.resolution_mode", obj=review, review=review,
        data={"before": before, "after": mode},
    )
    return True


@transaction.atomic
def review_set_reliability_thresholds(*, review: Review, actor, minimum, target) -> bool:
    """Set the review's smallest acceptable alpha and the alpha of a reliable variable
    (Krippendorff 2004: 0.667 and 0.800), which the reliability verdicts read. Only its leads
    may; both between 0 and 1 with at most three decimals, the minimum below the target.
    Returns whether anything changed; a change is recorded in the audit log."""
    if not may_change_reliability_thresholds(actor, review):
        raise ValidationError(gettext("Only a lead of this review can change the reliability "
                                      "thresholds."), code="role")
    try:
        low, high = Decimal(str(minimum)), Decimal(str(target))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(gettext("The thresholds must be numbers such as 0.667."),
                              code="number") from error
    for value in (low, high):
        if not value.is_finite() or not Decimal("0") < value < Decimal("1") or (
                value != value.quantize(Decimal("0.001"))):
            raise ValidationError(
                gettext("Each threshold must lie between 0 and 1 with at most three decimals, "
                        "not %(value)s.") % {"value": value}, code="range")
    if low >= high:
        raise ValidationError(gettext("The smallest acceptable alpha must be below the alpha "
                                      "of a reliable variable."), code="order")
    review = Review.objects.select_for_update().get(pk=review.pk)
    before = [str(review.reliability_minimum), str(review.reliability_target)]
    if review.reliability_minimum == low and review.reliability_target == high:
        return False
    review.reliability_minimum, review.reliability_target = low, high
    review.save(update_fields=["reliability_minimum", "reliability_target"])
    audit_record(
        actor=actor, action="review.reliability_thresholds", obj=review, review=review,
        data={"before": before, "after": [str(low), str(high)]},
    )
    return True


NOT_SUPERUSER_MESSAGE = gettext_lazy("Only a superuser can create or delete a review.")


@transaction.atomic
def review_create(*, review: Review, actor) -> Review:
    """Create `review` (an unsaved Review: slug, title, description), unpublished: superusers
    only (the admin); its leads publish it later. Recorded in the audit log."""
    if not may_create_or_delete_reviews(actor):
        raise ValidationError(NOT_SUPERUSER_MESSAGE, code="role")
    review.is_published = False
    review.save()
    audit_record(actor=actor, action="review.create", obj=review, review=review,
                 data={"slug": review.slug, "title": review.title})
    return review


@transaction.atomic
def review_delete(*, review: Review, actor) -> None:
    """Delete a review with everything in it: superusers only. Its own audit log goes with
    it, so the deletion is recorded outside any review."""
    if not may_create_or_delete_reviews(actor):
        raise ValidationError(NOT_SUPERUSER_MESSAGE, code="role")
    audit_record(actor=actor, action="review.delete", obj=review, review=None,
                 data={"slug": review.slug, "title": review.title})
    review.delete()
