"""`{% review_pages review as pages %}`: the review's member pages the viewer may open, from
coding.reviews.policies, so that links show exactly where the views let people in."""

from django import template

from coding.reviews.policies import pages_open_to

register = template.Library()


@register.simple_tag(takes_context=True)
def review_pages(context, review) -> set[str]:
    return pages_open_to(context["request"].user, review)
