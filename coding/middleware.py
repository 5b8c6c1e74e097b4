"""Security headers that neither Django's SecurityMiddleware nor django-csp sets.

The Content-Security-Policy itself is django-csp's (settings.CONTENT_SECURITY_POLICY).
"""

from django.conf import settings

# Features no page of ours uses; deny them to every frame.
DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def security_headers(get_response):
    permissions = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", permissions)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

    return middleware
