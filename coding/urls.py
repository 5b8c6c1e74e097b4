from django.urls import path

app_name = "coding"

# Each feature adds its own block of paths below; all review pages live under
# /reviews/<slug>/.
urlpatterns: list = []

# Issue 6: API tokens (account settings) and the review's audit log.
from coding.views import account as account_views  # noqa: E402
from coding.views import audit as audit_views  # noqa: E402

urlpatterns += [
    path("account/tokens/", account_views.tokens, name="tokens"),
    path("account/tokens/create/", account_views.token_create, name="token_create"),
    path("account/tokens/revoke/", account_views.token_revoke, name="token_revoke"),
    path("reviews/<slug:slug>/audit/", audit_views.audit_log, name="audit_log"),
]
