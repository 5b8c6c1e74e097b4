"""The signed-in user's own settings: sign-in and password change (rate limited), API
tokens, the daily notification digest, language and time zone."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language
from rest_framework.authtoken.models import Token

from coding.accounts.selectors import (
    is_offered_language,
    locale_preferences,
    offered_languages,
    time_zone_names,
)
from coding.accounts.services import account_locale_set
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


@csrf_protect
def _set_account_language(request):
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if is_offered_language(language):
        account_locale_set(user=request.user, language=language)
    return response


@csrf_exempt
@require_POST
def set_language(request):
    """The language switcher: Django's set_language (the language cookie, then back to
    `next`), and for a signed-in person the account's language too, so that it follows them
    to every browser. A visitor's switcher (the header's) carries no CSRF token, so that the
    readers' pages stay shareable by caches (coding.public.responses stores no page that set
    a cookie); all it changes is that browser's language cookie. A signed-in person's
    (the account menu's) carries one, checked here: it changes the account."""
    if request.user.is_authenticated:
        return _set_account_language(request)
    return django_set_language(request)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    """Language and time zone of the account (each may be left to the browser / the site)."""
    prefs = locale_preferences(request.user)
    values = {"language": prefs.language, "time_zone": prefs.time_zone}
    errors = {}
    if request.method == "POST":
        values = {"language": request.POST.get("language", "").strip(),
                  "time_zone": request.POST.get("time_zone", "").strip()}
        try:
            account_locale_set(user=request.user, **values)
        except ValidationError as error:
            errors = {field: " ".join(str(m) for m in messages_)
                      for field, messages_ in error.message_dict.items()}
        else:
            response = redirect("coding:preferences")
            if not values["language"]:  # the browser's language from now on
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
            else:  # the message below, and the cookie for this browser, say it in the new one
                translation.activate(values["language"])
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, values["language"],
                                    max_age=settings.LANGUAGE_COOKIE_AGE,
                                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                                    secure=settings.LANGUAGE_COOKIE_SECURE,
                                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY)
            messages.success(request, _("Language and time zone saved."))
            return response
    return render(request, "coding/preferences.html", {
        "values": values, "errors": errors, "languages": offered_languages(),
        "time_zones": time_zone_names(), "site_time_zone": settings.TIME_ZONE,
    }, status=400 if errors else 200)
