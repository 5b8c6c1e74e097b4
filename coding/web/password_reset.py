"""Password reset by e-mail: Django's own views, with requests throttled per client address
and per e-mail address (settings.PASSWORD_RESET_LIMIT an hour) in Django's cache, so the
form cannot be used to flood someone's inbox or to send mail in bulk. The request only
queues the mail (coding/accounts/tasks.py): it neither looks the address up nor talks to
the mail server, so its answer and its time say nothing about whether an account uses it."""

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.utils.translation import gettext

from coding.accounts.tasks import send_password_reset_mail

WINDOW_SECONDS = 3600


def _client_address(request) -> str:
    # As coding/ratelimit.py: behind our own proxy (BEHIND_PROXY=1), the address it appended.
    if settings.SECURE_PROXY_SSL_HEADER and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _count(kind: str, value: str) -> int:
    key = f"password-reset:{kind}:" + hashlib.sha256(value.encode()).hexdigest()
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def password_reset_throttled(*, request, email: str) -> bool:
    """Count one request; True when this address or this e-mail is over the hourly limit."""
    by_address = _count("address", _client_address(request))
    by_email = _count("email", email.strip().lower())
    return max(by_address, by_email) > settings.PASSWORD_RESET_LIMIT


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        if password_reset_throttled(request=self.request, email=form.cleaned_data["email"]):
            form.add_error(
                None,
                gettext("Too many password-reset requests from here or for this address. "
                        "Try again in an hour, or ask a review lead for help."),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        send_password_reset_mail.enqueue(
            email=form.cleaned_data["email"],
            domain=self.request.get_host(),
            use_https=self.request.is_secure(),
        )
        return HttpResponseRedirect(self.get_success_url())
