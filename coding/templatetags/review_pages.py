"""`{% review_pages review as pages %}`: the review's member pages the viewer may open, from
coding.reviews.policies, so that links show exactly where the views let people in;
`{% review_discussion_link review as discussion %}`: where the review's "Discussion" link
takes the viewer, if anywhere (coding.adjudication.selectors.discussion_nav)."""

from django import template

from coding.adjudication.selectors import discussion_nav
from coding.reviews.policies import pages_open_to

register = template.Library()


@register.simple_tag(takes_context=True)
def review_pages(context, review) -> set[str]:
    return pages_open_to(context["request"].user, review)


@register.simple_tag(takes_context=True)
def review_discussion_link(context, review) -> dict | None:
    return discussion_nav(review=review, user=context["request"].user)
