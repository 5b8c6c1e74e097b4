"""The signed-in user's own settings: sign-in (rate limited) and API tokens."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from coding.web.http import post_only
from coding.web.signin import SignInForm


class LoginView(auth_views.LoginView):
    """Django's sign-in page; django-axes counts failures and locks out (coding/web/signin.py)."""

    authentication_form = SignInForm


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
        "New token created; the old one no longer works." if replaced else "Token created.",
    )
    return redirect("coding:tokens")


@post_only("coding:tokens")
@login_required
def token_revoke(request):
    if Token.objects.filter(user=request.user).delete()[0]:
        messages.success(request, "Token revoked. Scripts using it are refused from now on.")
    else:
        messages.warning(request, "You had no token to revoke.")
    return redirect("coding:tokens")
