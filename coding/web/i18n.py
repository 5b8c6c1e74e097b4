"""The JavaScript catalogue: Django's JavaScriptCatalog (gettext, ngettext, interpolate,
get_format as globals) for the active language, loaded by base.html before any other script.

It is a static file in effect (it changes only when the catalogues are compiled again, that
is with a deployment), so it is cached per language (cache_page keys on the active language)
and answers If-Modified-Since with 304 against the time this process started. It is served
from our own origin as a script file: the Content-Security-Policy allows it, no inline script.
"""

from django.utils import timezone
from django.views.decorators.cache import cache_page
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog

# Catalogues are read when the process starts: a newer one comes with a restart.
STARTED = timezone.now().replace(microsecond=0)
CACHE_SECONDS = 60 * 60 * 24

# last_modified outside: a browser's If-Modified-Since gets its 304 before the cache is read.
javascript_catalog = last_modified(lambda request, **kwargs: STARTED)(
    cache_page(CACHE_SECONDS, key_prefix="jsi18n")(JavaScriptCatalog.as_view())
)
