"""Login rate limiting against password guessing.

Failed sign-ins are counted per (username, client address) in Django's cache.
After settings.LOGIN_FAILURE_LIMIT failures the pair is locked out for
settings.LOGIN_LOCKOUT_MINUTES, even for the right password, so guessing gets a
handful of tries per quarter hour. The forms below are used by the sign-in page
and by the admin's sign-in page.
"""

import hashlib
import math
import time

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache


def client_address(request) -> str:
    """REMOTE_ADDR, or behind our own proxy (BEHIND_PROXY=1) the address it appended."""
    if settings.SECURE_PROXY_SSL_HEADER and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(request, username: str) -> str:
    raw = f"{username.strip().lower()}|{client_address(request)}"
    return "login-failures:" + hashlib.sha256(raw.encode()).hexdigest()


def login_lockout_seconds(*, request, username: str) -> int:
    """Seconds left of this username+address's lockout; 0 when it may try."""
    state = cache.get(_key(request, username))
    if not state or state["count"] < settings.LOGIN_FAILURE_LIMIT:
        return 0
    return max(0, math.ceil(state["until"] - time.time()))


def login_failure_record(*, request, username: str) -> int:
    """Count one failed sign-in; returns the failures counted so far."""
    key = _key(request, username)
    window = settings.LOGIN_LOCKOUT_MINUTES * 60
    state = cache.get(key) or {"count": 0}
    state = {"count": state["count"] + 1, "until": time.time() + window}
    cache.set(key, state, timeout=window)
    return state["count"]


def login_failures_clear(*, request, username: str) -> None:
    cache.delete(_key(request, username))


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "Too many failed sign-ins for this username. Sign-in is locked for "
        f"{minutes} minute{'s' if minutes != 1 else ''}; try again later or ask a review "
        "lead to reset your password."
    )


class RateLimitMixin:
    """Refuses sign-in while locked out; counts failures; clears them on success."""

    locked = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username and self.request is not None:
            seconds = login_lockout_seconds(request=self.request, username=username)
            if seconds:
                self.locked = True
                raise forms.ValidationError(lockout_message(seconds), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username and self.request is not None:
                login_failure_record(request=self.request, username=username)
                seconds = login_lockout_seconds(request=self.request, username=username)
                if seconds:
                    self.locked = True
                    raise forms.ValidationError(lockout_message(seconds), code="locked") from None
            raise
        if self.request is not None:
            login_failures_clear(request=self.request, username=username)
        return cleaned


class RateLimitedAuthenticationForm(RateLimitMixin, AuthenticationForm):
    pass


class RateLimitedAdminAuthenticationForm(RateLimitMixin, AdminAuthenticationForm):
    pass
