"""Sign-in lockouts: how django-axes counts and what a locked-out person sees.

django-axes counts failed sign-ins per (username, client address) and refuses a pair that
reached settings.AXES_FAILURE_LIMIT until settings.AXES_COOLOFF_TIME has passed, even with
the right password (see settings, "Sign-in lockouts"). The hooks below keep our wording:
usernames are counted case-blind, the address is the one our proxy saw, and the sign-in
page (ours or the admin's) answers 429 with the reason in the form.
"""

import math

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpResponse
from django.utils.translation import gettext, ngettext


def client_address(request) -> str | None:
    """REMOTE_ADDR, or behind our own proxy (BEHIND_PROXY=1) the address it appended;
    the same address DRF's throttle uses (NUM_PROXIES)."""
    if settings.SECURE_PROXY_SSL_HEADER and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def lockout_username(request, credentials: dict | None) -> str | None:
    """Alice, alice and ' alice ' are one account to count failures against."""
    if credentials and credentials.get("username") is not None:
        username = credentials["username"]
    else:
        username = getattr(request, "POST", {}).get("username")
    return str(username).strip().lower() if username is not None else None


def lockout_message() -> str:
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return (
        "Too many failed sign-ins for this username. Sign-in is locked for "
        f"{minutes} minute{'s' if minutes != 1 else ''}; try again later or ask a review "
        "lead to reset your password."
    )


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The sign-in page as rendered (its form says why), answered with 429."""
    response = original_response or HttpResponse(lockout_message(), content_type="text/plain")
    response.status_code = 429
    return response


class LockoutMessageMixin:
    """Says 'locked' rather than 'wrong password' when django-axes refused the sign-in;
    `locked` tells the template which of the two to show."""

    locked = False

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                self.locked = True
                raise forms.ValidationError(lockout_message(), code="locked") from None
            raise


class SignInForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


def password_change_lockout_message() -> str:
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return ngettext(
        "Too many wrong current passwords. Changing the password (and signing in) is locked "
        "for %(minutes)d minute; try again later or ask a review lead to reset your password.",
        "Too many wrong current passwords. Changing the password (and signing in) is locked "
        "for %(minutes)d minutes; try again later or ask a review lead to reset your password.",
        minutes,
    ) % {"minutes": minutes}


class LimitedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the old password checked through authenticate() so
    that django-axes counts a wrong one as a failed sign-in of this username from this
    address: the same limit as the sign-in page (LOGIN_FAILURE_LIMIT, then locked for
    LOGIN_LOCKOUT_MINUTES), shared with it, so the form is no side door for guessing."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.locked = False

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if getattr(self.request, "axes_locked_out", False):
            self.locked = True
            raise forms.ValidationError(password_change_lockout_message(), code="locked")
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                gettext("Your old password was entered incorrectly. Please enter it again."),
                code="password_incorrect",
            )
        return old_password
