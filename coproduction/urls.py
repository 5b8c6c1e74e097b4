from django.contrib import admin
from django.urls import include, path

from coding.web.account import LoginView
from coding.web.home import home
from coding.web.password_reset import PasswordResetView

urlpatterns = [
    path("", home, name="home"),
    # Our sign-in page says why it is locked (coding/web/signin.py); it shadows auth.urls' one.
    path("accounts/login/", LoginView.as_view(), name="login"),
    # Password-reset requests are throttled (coding/web/password_reset.py).
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("coding.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("coding.urls")),
]
