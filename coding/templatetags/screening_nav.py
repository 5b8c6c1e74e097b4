"""`{% screening_link review as screening %}`: where the review's "Screening" link takes the
viewer (the screening page for screeners, assignment for leads, conflicts for adjudicators),
or None: in reviews that screen (records or screening settings), for whoever may open one."""

from django import template
from django.db.models import Exists, OuterRef
from django.urls import reverse

from coding.models import Record, Review, ScreeningSettings
from coding.reviews.policies import pages_open_to

register = template.Library()

PAGES = (("screening", "coding:screening"), ("screening_manage", "coding:screening_assign"),
         ("screening_conflicts", "coding:screening_conflicts"))


@register.simple_tag(takes_context=True)
def screening_link(context, review) -> str | None:
    pages = pages_open_to(context["request"].user, review)
    target = next((name for page, name in PAGES if page in pages), None)
    if target is None:
        return None
    # One query: does the review screen at all?
    if not Review.objects.filter(pk=review.pk).filter(
            Exists(Record.objects.filter(review=OuterRef("pk")))
            | Exists(ScreeningSettings.objects.filter(review=OuterRef("pk")))).exists():
        return None
    return reverse(target, args=[review.slug])
