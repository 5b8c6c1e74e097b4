"""The JavaScript catalogue: Django's JavaScriptCatalog (gettext, ngettext, interpolate,
get_format as globals) for the active language, loaded by base.html before any other
script.

It changes only when the catalogues are compiled again, that is with a deployment: the
rendered catalogue is kept in the cache per language and process start, and a browser's
If-None-Match / If-Modified-Since is answered 304 (ETag: the process's start and the
language; `no-cache`: the browser keeps it and asks again, the answer is one 304). It is
served from our own origin as a script file: the Content-Security-Policy allows it, no
inline script.
"""

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition, require_safe
from django.views.i18n import JavaScriptCatalog

# Catalogues are read when the process starts: a newer one comes with a restart.
STARTED = timezone.now().replace(microsecond=0)
CACHE_SECONDS = 60 * 60 * 24
CONTENT_TYPE = 'text/javascript; charset="utf-8"'

_catalogue_view = JavaScriptCatalog.as_view()


def _etag(request, **kwargs) -> str:
    return f'"jsi18n-{int(STARTED.timestamp())}-{translation.get_language()}"'


@require_safe
@condition(etag_func=_etag, last_modified_func=lambda request, **kwargs: STARTED)
def javascript_catalog(request):
    key = f"jsi18n:{int(STARTED.timestamp())}:{translation.get_language()}"
    content = cache.get(key)
    if content is None:
        content = _catalogue_view(request).content
        cache.set(key, content, CACHE_SECONDS)
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response
