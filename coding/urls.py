from django.urls import path

app_name = "coding"

# Each feature adds its own block of paths below; all review pages live under
# /reviews/<slug>/.
urlpatterns: list = []

# Issue 6: API tokens (account settings) and the review's audit log.
from coding.web import account as account_views  # noqa: E402
from coding.web import audit as audit_views  # noqa: E402

urlpatterns += [
    path("account/tokens/", account_views.tokens, name="tokens"),
    path("account/tokens/create/", account_views.token_create, name="token_create"),
    path("account/tokens/revoke/", account_views.token_revoke, name="token_revoke"),
    path("reviews/<slug:slug>/audit/", audit_views.audit_log, name="audit_log"),
]

# Issue 5: the public gallery, case pages, dashboard and reader exports.
from coding.web import public as public_views  # noqa: E402

urlpatterns += [
    path("reviews/<slug:slug>/", public_views.gallery, name="gallery"),
    path("reviews/<slug:slug>/export.csv", public_views.export_csv, name="export_csv"),
    path("reviews/<slug:slug>/export.json", public_views.export_json, name="export_json"),
    path("reviews/<slug:slug>/publish/", public_views.review_publish, name="review_publish"),
    path("reviews/<slug:slug>/cases/<str:number>/", public_views.case_detail,
         name="case_detail"),
    path("reviews/<slug:slug>/dashboard/", public_views.dashboard, name="dashboard"),
    path("reviews/<slug:slug>/dashboard/data/<slug:chart>.csv", public_views.dashboard_csv,
         name="dashboard_csv"),
]

# Issue 3: assignments, the coder queue, the coding form (autosave, submit), progress.
from coding.web import coding as coding_views  # noqa: E402
from coding.web import lead as lead_views  # noqa: E402

urlpatterns += [
    path("reviews/<slug:slug>/my-cases/", coding_views.queue, name="queue"),
    path(
        "reviews/<slug:slug>/cases/<str:number>/code/", coding_views.coding_form,
        name="coding_form",
    ),
    path(
        "reviews/<slug:slug>/cases/<str:number>/code/save/", coding_views.coding_save,
        name="coding_save",
    ),
    path(
        "reviews/<slug:slug>/cases/<str:number>/code/submit/", coding_views.coding_submit_view,
        name="coding_submit",
    ),
    path("reviews/<slug:slug>/codings/<int:pk>/", coding_views.coding_detail, name="coding_detail"),
    path("reviews/<slug:slug>/codings/<int:pk>/reopen/", lead_views.reopen, name="coding_reopen"),
    path("reviews/<slug:slug>/progress/", lead_views.progress, name="progress"),
    path("reviews/<slug:slug>/progress/assign/", lead_views.assign_auto, name="assign_auto"),
    path("reviews/<slug:slug>/progress/assign-case/", lead_views.assign_case, name="assign_case"),
]

# Issue 4: adjudication and inter-coder reliability.
from coding.web import adjudication as adjudication_views  # noqa: E402
from coding.web import reliability as reliability_views  # noqa: E402

urlpatterns += [
    path("reviews/<slug:slug>/adjudication/", adjudication_views.queue,
         name="adjudication_queue"),
    path("reviews/<slug:slug>/adjudication/<str:number>/", adjudication_views.case_page,
         name="adjudication_case"),
    path("reviews/<slug:slug>/adjudication/<str:number>/<slug:key>/decide/",
         adjudication_views.resolve, name="disagreement_resolve"),
    path("reviews/<slug:slug>/adjudication/<str:number>/<slug:key>/reopen/",
         adjudication_views.reopen, name="disagreement_reopen"),
    path("reviews/<slug:slug>/reliability/", reliability_views.reliability, name="reliability"),
    path("reviews/<slug:slug>/reliability.csv", reliability_views.reliability_csv,
         name="reliability_csv"),
]

# Issue 11: documents of a case (upload, list, access-checked download).
from coding.web import documents as document_views  # noqa: E402

urlpatterns += [
    path("reviews/<slug:slug>/cases/<str:number>/documents/",
         document_views.case_documents_page, name="case_documents"),
    path("reviews/<slug:slug>/cases/<str:number>/documents/<int:pk>/file/",
         document_views.document_file, name="document_file"),
    path("reviews/<slug:slug>/cases/<str:number>/documents/<int:pk>/delete/",
         document_views.document_delete_view, name="document_delete"),
]
