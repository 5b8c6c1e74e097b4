"""`{% screening_link review as screening %}`: where the review's "Screening" link takes the
viewer (the screening page for screeners, assignment for leads, conflicts for adjudicators),
or None: in reviews that screen (they have screening settings), for whoever may open one.
Reviews found by coding.reviews.policies come with their settings, so this costs no query."""

from django import template
from django.urls import reverse

from coding.models import ScreeningSettings
from coding.reviews.policies import pages_open_to

register = template.Library()

PAGES = (("screening", "coding:screening"), ("screening_manage", "coding:screening_assign"),
         ("screening_conflicts", "coding:screening_conflicts"))


def review_screens(review) -> bool:
    try:
        review.screening_settings  # noqa: B018 - cached by select_related where it can be
    except ScreeningSettings.DoesNotExist:
        return False
    return True


@register.simple_tag(takes_context=True)
def screening_link(context, review) -> str | None:
    pages = pages_open_to(context["request"].user, review)
    target = next((name for page, name in PAGES if page in pages), None)
    if target is None or not review_screens(review):
        return None
    return reverse(target, args=[review.slug])
