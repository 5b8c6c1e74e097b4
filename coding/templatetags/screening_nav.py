"""`{% screening_link review as screening %}`: where the review's "Screening" link takes the
viewer (the screening page for screeners, assignment for leads, conflicts for adjudicators),
or None: in reviews that screen (they have candidate records), for whoever may open one.
Reviews found by coding.reviews.policies come with that answer, so this costs no query."""

from django import template
from django.urls import reverse

from coding.models import Record
from coding.reviews.policies import pages_open_to

register = template.Library()

PAGES = (("screening", "coding:screening"), ("screening_manage", "coding:screening_assign"),
         ("screening_conflicts", "coding:screening_conflicts"))


def review_screens(review) -> bool:
    """Whether the review screens candidate records here: it has some (a review that only
    reports its stage one, as the bundled one does, has none)."""
    has_records = getattr(review, "has_records", None)  # annotated by reviews.policies
    if has_records is None:
        has_records = Record.objects.filter(review=review).exists()
    return has_records


@register.simple_tag(takes_context=True)
def screening_link(context, review) -> str | None:
    pages = pages_open_to(context["request"].user, review)
    target = next((name for page, name in PAGES if page in pages), None)
    if target is None or not review_screens(review):
        return None
    return reverse(target, args=[review.slug])
