"""The review's PRISMA 2020 flow diagram for readers: the selection page and the SVG download.
Counts come from settled screening outcomes only (coding.prisma.selectors), so readers of a
published review, and members of an unpublished one, may see them as they see the dashboard."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coding.prisma.selectors import BOXES, reason_label
from coding.prisma.svg import n_text, prisma_svg
from coding.public.cache import latest_release_for, prisma_for
from coding.public.responses import reader_page
from coding.reviews.policies import get_public_review, may_publish, review_roles


def diagram_title(review) -> str:
    return _("PRISMA 2020 flow diagram of %(review)s") % {"review": review.title}


def prisma_context(review) -> dict:
    """What templates/coding/_prisma.html shows: the diagram and its counts as a table."""
    flow = prisma_for(review)
    return {
        "prisma": flow, "svg": prisma_svg(flow, diagram_title(review)),
        "rows": [(label, n_text(flow.counts.get(key))) for key, label in BOXES.items()],
        "sources": [(source, n_text(count)) for source, count in flow.sources],
        "reasons": [(reason_label(reason), n_text(count)) for reason, count in flow.reasons],
    }


@require_GET
@reader_page
def selection(request, slug):
    review = get_public_review(request.user, slug)
    return render(request, "coding/selection.html", {
        "review": review, "roles": review_roles(request.user, review),
        "may_publish": may_publish(request.user, review),
        "latest_release": latest_release_for(review),
        **prisma_context(review),
    })


@require_GET
@reader_page
def prisma_svg_file(request, slug):
    review = get_public_review(request.user, slug)
    response = HttpResponse(prisma_svg(prisma_for(review), diagram_title(review)),
                            content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-prisma.svg"'
    return response
