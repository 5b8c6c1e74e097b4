"""Security headers that Django's SecurityMiddleware does not set.

Content-Security-Policy: every script and stylesheet comes from our own static
files; no inline script, no eval. Plotly's charts and Swagger UI work under it
(checked in Chromium by tests/test_security.py): they change styles through the
CSSOM (element.style, insertRule), which a CSP does not restrict.
"""

from django.conf import settings

# Plotly (static/vendor/plotly.min.js) under this policy, as measured in Chromium (see
# tests/test_security.py): it appends *empty* <style> elements and fills them through the
# CSSOM (insertRule, which a CSP does not police), sets empty style="" attributes on some
# SVG rects, and at load injects maplibre's fixed stylesheet. Allowing exactly those three
# contents by hash keeps every other inline style (and every inline script) blocked.
EMPTY_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"  # sha256 of ""
PLOTLY_MAPLIBRE_CSS_HASH = "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='"

DEFAULT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": f"'self' {EMPTY_HASH} {PLOTLY_MAPLIBRE_CSS_HASH}",
    "style-src-attr": f"'unsafe-hashes' {EMPTY_HASH}",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# Features no page of ours uses; deny them to every frame.
DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def _header_value(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}".strip() for name, value in policy.items())


def security_headers(get_response):
    csp = _header_value({**DEFAULT_CSP, **getattr(settings, "CONTENT_SECURITY_POLICY", {})})
    permissions = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("Permissions-Policy", permissions)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

    return middleware
