"""The signed-in user's own settings: sign-in and password change (rate limited), API
tokens, the daily notification digest."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from coding.notifications.services import notification_settings_set
from coding.web.http import post_only
from coding.web.signin import LimitedPasswordChangeForm, SignInForm


class LoginView(auth_views.LoginView):
    """Django's sign-in page; django-axes counts failures and locks out (coding/web/signin.py)."""

    authentication_form = SignInForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; wrong old passwords count as failed sign-ins (signin.py),
    and once locked the form answers 429 with the reason."""

    form_class = LimitedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked:
            response.status_code = 429
        return response


@login_required
@require_http_methods(["GET", "HEAD"])
def tokens(request):
    token = Token.objects.filter(user=request.user).first()
    return render(request, "coding/tokens.html", {"token": token})


@post_only("coding:tokens")
@login_required
def token_create(request):
    # One token per user (DRF's model): creating a new one revokes the old.
    replaced = Token.objects.filter(user=request.user).delete()[0] > 0
    Token.objects.create(user=request.user)
    messages.success(
        request,
        gettext("New token created; the old one no longer works.") if replaced
        else gettext("Token created."),
    )
    return redirect("coding:tokens")


@post_only("coding:tokens")
@login_required
def token_revoke(request):
    if Token.objects.filter(user=request.user).delete()[0]:
        messages.success(request, gettext(
            "Token revoked. Scripts using it are refused from now on."))
    else:
        messages.warning(request, gettext("You had no token to revoke."))
    return redirect("coding:tokens")


@post_only("coding:notifications")
@login_required
def notification_settings(request):
    """The daily e-mail digest, on or off (a checkbox on the notifications page)."""
    on = request.POST.get("daily_digest") == "on"
    notification_settings_set(user=request.user, daily_digest=on)
    if on and not request.user.email:
        messages.warning(request, gettext(
            "Daily digest turned on, but your account has no e-mail address: ask a review "
            "lead or the administrator to add one."))
    else:
        messages.success(request, gettext("Daily e-mail digest turned on.") if on
                         else gettext("Daily e-mail digest turned off."))
    return redirect("coding:notifications")
