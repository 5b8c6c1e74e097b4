"""Publishing a review: a lead opens its consensus data to the public, or withdraws it."""

from django.core.exceptions import ValidationError
from django.db import transaction

from coding.audit.services import audit_record
from coding.models import Review
from coding.reviews.policies import may_publish


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
    audit_record(
        actor=actor, action="review.publish" if published else "review.withdraw", obj=review,
        review=review, data={"is_published": published},
    )
    return True
