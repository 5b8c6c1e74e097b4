from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from coding.web.account import LoginView, PasswordChangeView
from coding.web.health import health
from coding.web.home import home
from coding.web.password_reset import PasswordResetView

urlpatterns = [
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
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
    path("api/", include("coding.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("coding.urls")),
]
