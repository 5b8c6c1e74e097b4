"""Reader responses shared per data version: ETags, 304s and the page cache.

Every reader surface (the gallery, case pages, the dashboard and its chart CSVs, the public
API) answers through `reader_response`. Whether a response may be shared is decided in one
place, coding.public.policies.may_share_response: only an anonymous reader's request of a
published review. Such a response gets an ETag made from the review's data version, the
absolute URL (query included) and whatever else selects the representation (the API's
negotiated format), `Cache-Control: public, no-cache` (caches may keep it but must ask again,
so no one sees figures older than the current version) and `Vary: Cookie`; a matching
If-None-Match gets 304 without rendering, and the rendered page is kept in Django's cache
under the ETag, so the next reader of the same URL and version gets it without rendering.
Any other request (a member, a signed-in reader, an API token) is rendered for that person
and marked `private`, with no ETag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags
from django.utils.translation import get_language

from coding.models import Review
from coding.public.cache import TIMEOUT, _key
from coding.public.policies import may_share_response, request_may_share

# Change when what is stored changes shape.
FORMAT = 1
# Headers a stored response keeps; cookies and per-request headers are never stored.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")


def reader_etag(request, review: Review, extra: Iterable[str] = ()) -> str:
    """The ETag of a shared reader response. Keyed with the site's secret so that nobody
    can forge the ETag of a page they were never given."""
    created = int(review.created_at.timestamp() * 1000)
    # The language the page is rendered in (Accept-Language, the language cookie): a Spanish
    # reader never gets the English copy of the same URL and version, nor its ETag.
    parts = [f"f{FORMAT}", str(review.pk), str(created), f"v{review.data_version}",
             request.build_absolute_uri(), f"l{get_language() or ''}", *extra]
    digest = salted_hmac("coding.public.reader_etag", "\n".join(parts),
                         algorithm="sha256").hexdigest()
    return f'"{digest[:40]}"'


def _matches(request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    wanted = {tag.removeprefix("W/") for tag in parse_etags(header)}
    return "*" in wanted or etag in wanted


def _shared_headers(response, etag: str, vary: Iterable[str]):
    response["ETag"] = etag
    patch_cache_control(response, public=True, no_cache=True)
    patch_vary_headers(response, tuple(vary))
    return response


def _private(response, vary: Iterable[str]):
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, tuple(vary))
    return response


def reader_response(
    request, review: Review, render: Callable[[], HttpResponse], *,
    extra: Iterable[str] = (), vary: Iterable[str] = ("Cookie",),
) -> HttpResponse:
    """Answer a reader's request: 304, a copy from the cache, or `render()` (stored for the
    next reader when it may be shared and is a plain 200)."""
    vary = (*vary, "Accept-Language")
    if not may_share_response(request, review):
        return _private(render(), vary)
    etag = reader_etag(request, review, extra)
    if _matches(request, etag):
        return _shared_headers(HttpResponseNotModified(), etag, vary)
    key = _key(review, "response", hashlib.sha256(etag.encode()).hexdigest()[:32])
    stored = cache.get(key)
    if stored is not None:
        response = HttpResponse(stored["content"], status=stored["status"])
        for name, value in stored["headers"]:
            response[name] = value
        return _shared_headers(response, etag, vary)
    response = render()
    if response.status_code != 200 or response.streaming:
        return response
    if getattr(response, "render", None) and not getattr(response, "is_rendered", True):
        response.render()
    # A page that used the CSRF token would hand one reader's token to every other.
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not response.cookies:
        cache.set(key, {
            "status": response.status_code, "content": response.content,
            "headers": [(name, response[name]) for name in KEPT_HEADERS if name in response],
        }, TIMEOUT)
    return _shared_headers(response, etag, vary)


def reader_page(view):
    """Decorate a reader page view taking (request, slug, ...): the review is looked up
    only for requests that may be shared (one query), and the view runs only when neither a
    304 nor a cached copy answers."""
    @wraps(view)
    def wrapped(request, slug, *args, **kwargs):
        def render():
            return view(request, slug, *args, **kwargs)

        if not request_may_share(request):
            return _private(render(), ("Cookie",))
        review = (Review.objects.filter(slug=slug)
                  .only("id", "slug", "created_at", "data_version", "is_published").first())
        if review is None:
            return render()  # the view's own 404
        return reader_response(request, review, render)

    return wrapped
