"""Creating a review (its creator leads it) and deleting one; publishing a review: a lead
opens its consensus data to the public, or withdraws it; the resolution mode (adjudicator, or
discussion first); and the review's data version, bumped by every service that changes what
readers see."""

from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext, gettext_lazy

from coding.audit.services import audit_record
from coding.models import Membership, ResolutionMode, Review, Role
from coding.reviews.policies import (
    may_change_reliability_thresholds,
    may_change_resolution_mode,
    may_create_review,
    may_delete_reviews,
    may_publish,
)
from coding.values import text_problem


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
        raise ValidationError(gettext("Only a lead of this review can publish or withdraw it."))
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
        raise ValidationError(gettext("Only a lead of this review can change how disagreements "
                                      "are settled."), code="role")
    if mode not in ResolutionMode.values:
        raise ValidationError(
            gettext(
                "Choose a resolution mode: %(values)s.") % {
                "values": ', '.join(ResolutionMode.values)}, code="mode"
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


NOT_ALLOWED_MESSAGE = gettext_lazy("Your account may not create reviews: ask the server's "
                                   "administrator to create one for you.")
NOT_SUPERUSER_MESSAGE = gettext_lazy("Only a superuser can delete a review.")


def _review_new(*, slug: str, title: str, description: str, resolution_mode: str) -> Review:
    """A new review, checked field by field: ValidationError({field: [message]}) names each
    field that is wrong (the slug taken, empty or with other characters than letters, digits,
    hyphens and underscores; the title empty or too long; an unknown resolution mode)."""
    review = Review(slug=(slug or "").strip(), title=(title or "").strip(),
                    description=(description or "").strip(), is_published=False,
                    resolution_mode=resolution_mode or ResolutionMode.ADJUDICATOR)
    errors: dict[str, list[str]] = {}
    for field, limit in (("title", "review_title"), ("description", "review_description")):
        problem = text_problem(getattr(review, field), limit=limit)
        if problem:
            errors[field] = [gettext("The %(field)s %(problem)s.") % {"field": field,
                                                                    "problem": problem}]
    try:
        review.full_clean(exclude=[*errors, "data_version"], validate_unique=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if "slug" not in errors and Review.objects.filter(slug=review.slug).exists():
        errors["slug"] = [_slug_taken(review.slug)]
    if errors:
        raise ValidationError(errors, code="invalid")
    return review


def _slug_taken(slug: str) -> str:
    return gettext("The slug “%(slug)s” is taken by another review: choose another "
                   "(it is the review's address, /reviews/%(slug)s/).") % {"slug": slug}


def _review_insert(review: Review) -> Review:
    """Save a checked new review; a review given the same slug at the same moment by
    someone else is the same field error as one that existed before."""
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise ValidationError({"slug": [_slug_taken(review.slug)]}, code="invalid") from None
    return review


def _lead_add(*, review: Review, user, actor) -> bool:
    """Give `user` the lead role in `review` if they lack it, through the member services
    (audited). Returns whether the role was added."""
    from coding.members.services import membership_save  # members import this module

    if Membership.objects.filter(review=review, user=user, role=Role.LEAD).exists():
        return False
    if not user.is_active:
        raise ValidationError(gettext("The account %(name)s is deactivated.")
                              % {"name": user.username}, code="inactive")
    membership_save(membership=Membership(review=review, user=user, role=Role.LEAD),
                    actor=actor)
    return True


@transaction.atomic
def review_create(
    *, slug: str, title: str, actor, description: str = "",
    resolution_mode: str = ResolutionMode.ADJUDICATOR,
) -> Review:
    """Create a review, unpublished, and make `actor` its lead: whoever
    coding.reviews.policies.may_create_review allows (the New review page, POST
    /api/reviews/, the admin). Field errors name the field (ValidationError with a dict);
    a refusal has code "role". The creation and the lead's membership are audited."""
    if not may_create_review(actor):
        raise ValidationError(NOT_ALLOWED_MESSAGE, code="role")
    review = _review_insert(_review_new(slug=slug, title=title, description=description,
                                        resolution_mode=resolution_mode))
    audit_record(actor=actor, action="review.create", obj=review, review=review,
                 data={"slug": review.slug, "title": review.title,
                       "resolution_mode": review.resolution_mode})
    _lead_add(review=review, user=actor, actor=actor)
    return review


@transaction.atomic
def review_create_for_import(*, slug: str, title: str, lead=None) -> Review:
    """Create a review for the import commands, run by the server's operator (no policy to
    ask; the audit event has no actor): unpublished, led by `lead` if given, else by nobody
    until someone is given the lead role (the command again with --lead, or the admin)."""
    review = _review_insert(_review_new(slug=slug, title=title, description="",
                                        resolution_mode=ResolutionMode.ADJUDICATOR))
    audit_record(actor=None, action="review.create", obj=review, review=review,
                 data={"slug": review.slug, "title": review.title, "by": "command",
                       "lead": lead.username if lead is not None else None})
    if lead is not None:
        _lead_add(review=review, user=lead, actor=None)
    return review


@transaction.atomic
def review_lead_ensure(*, review: Review, user, actor=None) -> bool:
    """Make `user` a lead of an existing review if they are not one yet (the import commands'
    --lead), audited. Returns whether the role was added."""
    return _lead_add(review=review, user=user, actor=actor)


@transaction.atomic
def review_delete(*, review: Review, actor) -> None:
    """Delete a review with everything in it: superusers only. Its own audit log goes with
    it, so the deletion is recorded outside any review."""
    if not may_delete_reviews(actor):
        raise ValidationError(NOT_SUPERUSER_MESSAGE, code="role")
    audit_record(actor=actor, action="review.delete", obj=review, review=None,
                 data={"slug": review.slug, "title": review.title})
    review.delete()
