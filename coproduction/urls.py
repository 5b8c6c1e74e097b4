from django.contrib import admin
from django.urls import include, path

from coding.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("coding.urls")),
]
