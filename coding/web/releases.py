"""Release pages: the list of a review's releases (and the lead's form to make one), a
release's gallery and dashboard drawn from its frozen rows, and its download. Readers see
what any reader page shows: consensus values only, never who made the release."""

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coding.public.dashboard import apply_source_note
from coding.public.policies import may_share_response
from coding.releases.policies import may_create_release
from coding.releases.selectors import (
    release_cards,
    release_get,
    release_job_active,
    release_jobs,
    release_list,
)
from coding.releases.selectors import (
    release_dashboard as release_dashboard_data,
)
from coding.releases.services import release_request
from coding.reviews.policies import get_public_review, review_roles
from coding.web.public import _csv_response as csv_response


def release_etag(release, url: str) -> str:
    """A release never changes: its ETag depends on the release and the URL only, not on
    the review's data version, so a reader's copy stays valid while the live data move."""
    parts = ["release", str(release.review_id), str(release.pk), str(release.number), url]
    digest = salted_hmac("coding.releases.etag", "\n".join(parts),
                         algorithm="sha256").hexdigest()
    return f'"{digest[:40]}"'


def release_response(request, review, release, render_response) -> HttpResponse:
    """A release page or download: for anonymous readers of a published review, an ETag
    per release (304 when it matches); private otherwise. Revalidated on every use
    (no-cache) so that withdrawing the review takes effect at once."""
    if not may_share_response(request, review):
        response = render_response()
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Cookie",))
        return response
    etag = release_etag(release, request.build_absolute_uri())
    wanted = {tag.removeprefix("W/") for tag in parse_etags(
        request.META.get("HTTP_IF_NONE_MATCH", ""))}
    if etag in wanted or "*" in wanted:
        response = HttpResponseNotModified()
    else:
        response = render_response()
    response["ETag"] = etag
    patch_cache_control(response, public=True, no_cache=True)
    patch_vary_headers(response, ("Cookie",))
    return response


def _release(request, slug, number, *, archive: bool = False):
    review = get_public_review(request.user, slug)
    release = release_get(review, number, archive=archive)
    if release is None:
        raise Http404(_("No such release."))
    return review, release


@require_http_methods(["GET", "HEAD", "POST"])
def releases(request, slug):
    review = get_public_review(request.user, slug)
    may_create = may_create_release(request.user, review)
    errors = {}
    if request.method == "POST":
        if not may_create:
            raise Http404(_("Not found."))
        try:
            release_request(
                review=review, actor=request.user, title=request.POST.get("title", ""),
                authors=request.POST.get("authors", ""), notes=request.POST.get("notes", ""),
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors = {k: " ".join(m) for k, m in error.message_dict.items()}
            else:
                errors = {"form": " ".join(error.messages)}
        else:
            messages.success(request, _("The release is being made in the background. This "
                                        "page shows when it is ready."))
            return redirect(reverse("coding:releases", args=[review.slug]) + "#release-jobs")
    jobs = release_jobs(review) if may_create else []
    response = render(request, "coding/releases.html", {
        "review": review, "roles": review_roles(request.user, review),
        "releases": list(release_list(review)), "may_create": may_create,
        "jobs": jobs, "active": any(job.status in ("queued", "running") for job in jobs),
        "errors": errors, "form": request.POST if errors else {},
    }, status=400 if errors else 200)
    if may_create:
        patch_cache_control(response, private=True, no_cache=True)
    return response


@require_http_methods(["GET", "HEAD"])
def release_jobs_status(request, slug):
    """What the releases page's script polls while a release is being made (leads only):
    {"active": true} until no request of the review is queued or running."""
    review = get_public_review(request.user, slug)
    if not may_create_release(request.user, review):
        raise Http404(_("Not found."))
    response = JsonResponse({"active": release_job_active(review)})
    patch_cache_control(response, private=True, no_store=True)
    return response


def _context(request, review, release):
    previous = release.changes.get("previous")
    return {"review": review, "release": release, "changes": release.changes,
            "previous": previous, "roles": review_roles(request.user, review)}


@require_http_methods(["GET", "HEAD"])
def release_gallery(request, slug, number):
    review, release = _release(request, slug, number)

    def render_response():
        page, cards = release_cards(release, request.GET.get("page"))
        return render(request, "coding/release_gallery.html", {
            **_context(request, review, release), "page": page, "cards": cards,
        })

    return release_response(request, review, release, render_response)


def _release_dashboard(review, release):
    data = release_dashboard_data(review, release)
    apply_source_note(review, data.charts)
    for chart in data.charts:
        chart.csv = reverse("coding:release_dashboard_csv",
                            args=[review.slug, release.number, chart.id])
    return data


@require_http_methods(["GET", "HEAD"])
def release_dashboard(request, slug, number):
    review, release = _release(request, slug, number)

    def render_response():
        data = _release_dashboard(review, release)
        return render(request, "coding/release_dashboard.html", {
            **_context(request, review, release), "groups": data.groups,
            "charts": [chart.payload() for chart in data.charts],
            "total": data.total, "complete": data.complete,
        })

    return release_response(request, review, release, render_response)


@require_http_methods(["GET", "HEAD"])
def release_dashboard_csv(request, slug, number, chart):
    """One chart of a release's dashboard as CSV, as the live dashboard's CSV links give."""
    review, release = _release(request, slug, number)
    found = release_dashboard_data(review, release).chart(chart)
    if found is None:
        raise Http404(_("No such chart."))

    def render_response():
        return csv_response(f"{review.slug}-release-{release.number}-{found.id}.csv",
                            found.columns, found.rows)

    return release_response(request, review, release, render_response)


@require_http_methods(["GET", "HEAD"])
def release_download(request, slug, number):
    review, release = _release(request, slug, number, archive=True)

    def render_response():
        archive = bytes(release.archive)
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="{review.slug}-release-{release.number}.zip"')
        response["Digest"] = "sha-256=" + hashlib.sha256(archive).hexdigest()
        return response

    return release_response(request, review, release, render_response)

