from django.contrib import admin
from django.urls import include, path

from coding.web.account import LoginView, PasswordChangeView, set_language
from coding.web.health import health
from coding.web.home import home
from coding.web.i18n import javascript_catalog
from coding.web.password_reset import PasswordResetView

urlpatterns = [
    path("", home, name="home"),
    # For a load balancer: 200 or 503 with the failed checks (coding/health.py).
    path("health/", health, name="health"),
    # Our sign-in page says why it is locked (coding/web/signin.py); it shadows auth.urls' one.
    path("accounts/login/", LoginView.as_view(), name="login"),
    # Password-reset requests are throttled (coding/web/password_reset.py).
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    # Wrong old passwords count as failed sign-ins (coding/web/signin.py).
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switcher (Django's set_language, remembered by the account too) and the
    # JavaScript catalogue of the active language (gettext() and friends for static/js).
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("api/", include("coding.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("coding.urls")),
]
