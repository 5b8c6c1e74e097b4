"""`/health/` for a load balancer: 200 when this server can serve, 503 naming what failed."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from coding.health import health_report


@never_cache
@require_safe
def health(request):
    """No sign-in and nothing secret: check names and short reasons only (coding/health.py).
    Never cached, so every poll runs the checks."""
    checks = health_report()
    healthy = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks},
        status=200 if healthy else 503,
    )
