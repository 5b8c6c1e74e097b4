"""Page URLs, grouped by the domain that owns them (coding/README.md). Every review page lives
under /reviews/<slug>/; the API's paths are in coding/api/urls.py."""

from django.urls import path

from coding.web import (
    account,
    adjudication,
    audit,
    codebook,
    coding,
    discussion,
    documents,
    imports,
    lead,
    members,
    notifications,
    prisma,
    public,
    records,
    releases,
    reliability,
    reviews,
    rounds,
    screening,
)

app_name = "coding"

review = "reviews/<slug:slug>/"

# Accounts: API tokens in the account settings.
urlpatterns = [
    path("account/tokens/", account.tokens, name="tokens"),
    path("account/tokens/create/", account.token_create, name="token_create"),
    path("account/tokens/revoke/", account.token_revoke, name="token_revoke"),
    path("account/notifications/", account.notification_settings,
         name="notification_settings"),
    path("account/preferences/", account.preferences, name="preferences"),
]

# Notifications: the signed-in person's list across reviews.
urlpatterns += [
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", notifications.notification_open,
         name="notification_open"),
    path("notifications/read-all/", notifications.notifications_read_all,
         name="notifications_read_all"),
]

# Reviews and their public face: a new review (its creator leads it), gallery, case pages,
# dashboard, exports, publishing.
urlpatterns += [
    path("new-review/", reviews.review_new, name="review_new"),
    path(review, public.gallery, name="gallery"),
    path(review + "publish/", public.review_publish, name="review_publish"),
    path(review + "cases/<str:number>/", public.case_detail, name="case_detail"),
    path(review + "dashboard/", public.dashboard, name="dashboard"),
    path(review + "selection/", prisma.selection, name="selection"),
    path(review + "prisma.svg", prisma.prisma_svg_file, name="prisma_svg"),
    path(review + "dashboard/data/<slug:chart>.csv", public.dashboard_csv,
         name="dashboard_csv"),
    path(review + "export.csv", public.export_csv, name="export_csv"),
    path(review + "export.json", public.export_json, name="export_json"),
    path(review + "export.xlsx", public.export_xlsx, name="export_xlsx"),
    path(review + "releases/", releases.releases, name="releases"),
    path(review + "releases/<int:number>/", releases.release_gallery, name="release_gallery"),
    path(review + "releases/<int:number>/dashboard/", releases.release_dashboard,
         name="release_dashboard"),
    path(review + "releases/<int:number>/download.zip", releases.release_download,
         name="release_download"),
    path(review + "releases/<int:number>/dashboard/data/<slug:chart>.csv",
         releases.release_dashboard_csv, name="release_dashboard_csv"),
    path(review + "releases/status/", releases.release_jobs_status,
         name="release_jobs_status"),
]

# Codings: the coder's queue, the coding form (autosave, submit), one coding read-only.
urlpatterns += [
    path(review + "my-cases/", coding.queue, name="queue"),
    path(review + "cases/<str:number>/code/", coding.coding_form, name="coding_form"),
    path(review + "cases/<str:number>/code/save/", coding.coding_save, name="coding_save"),
    path(review + "cases/<str:number>/code/submit/", coding.coding_submit_view,
         name="coding_submit"),
    path(review + "codings/<int:pk>/", coding.coding_detail, name="coding_detail"),
    path(review + "codings/<int:pk>/reopen/", lead.reopen, name="coding_reopen"),
]

# Assignments: the lead's progress page, automatic and hand assignment.
urlpatterns += [
    path(review + "progress/", lead.progress, name="progress"),
    path(review + "progress/assign/", lead.assign_auto, name="assign_auto"),
    path(review + "progress/assign-case/", lead.assign_case, name="assign_case"),
    path(review + "progress/resolution-mode/", lead.resolution_mode, name="resolution_mode"),
]

# Adjudication: the queue, one case's page, decisions and reopening them.
urlpatterns += [
    path(review + "adjudication/", adjudication.queue, name="adjudication_queue"),
    path(review + "adjudication/<str:number>/", adjudication.case_page,
         name="adjudication_case"),
    path(review + "adjudication/<str:number>/<slug:key>/decide/", adjudication.resolve,
         name="disagreement_resolve"),
    path(review + "adjudication/<str:number>/<slug:key>/reopen/", adjudication.reopen,
         name="disagreement_reopen"),
    path(review + "adjudication/<str:number>/<slug:key>/comment/", adjudication.comment,
         name="disagreement_comment"),
]

# Discussion mode: the coders' list of disagreements to discuss and one case's threads (its
# forms post back to the page: comment, propose, accept, escalate).
urlpatterns += [
    path(review + "discussion/", discussion.queue, name="discussion_queue"),
    path(review + "discussion/<str:number>/", discussion.case_page, name="discussion_case"),
]

# Reliability and the audit log, for leads.
urlpatterns += [
    path(review + "reliability/", reliability.reliability, name="reliability"),
    path(review + "reliability.csv", reliability.reliability_csv, name="reliability_csv"),
    path(review + "reliability/table.<str:ext>", reliability.reliability_table,
         name="reliability_table"),
    path(review + "reliability/package.zip", reliability.reliability_package,
         name="reliability_package"),
    path(review + "reliability/thresholds/", reliability.reliability_thresholds,
         name="reliability_thresholds"),
    path(review + "reliability/drift.csv", reliability.drift_csv, name="reliability_drift_csv"),
    path(review + "reliability/status/", reliability.reliability_status,
         name="reliability_status"),
    path(review + "audit/", audit.audit_log, name="audit_log"),
]

# Imports from the browser: leads upload a file, see the dry run, confirm.
urlpatterns += [
    path(review + "import/", imports.imports, name="imports"),
    path(review + "import/sample/<str:name>", imports.import_sample, name="import_sample"),
    path(review + "import/<int:pk>/", imports.import_job, name="import_job"),
    path(review + "import/<int:pk>/status/", imports.import_job_status,
         name="import_job_status"),
    path(review + "import/<int:pk>/confirm/", imports.import_job_confirm_view,
         name="import_job_confirm"),
]

# Candidate records for screening (leads): searches imported from RIS, BibTeX, CSV or .xlsx
# (checked, then confirmed), duplicates settled, cases made of included records; one record's
# page for members.
urlpatterns += [
    path(review + "records/", records.records, name="records"),
    path(review + "records/duplicates/", records.records_duplicates, name="records_duplicates"),
    path(review + "records/duplicates/<int:pk>/", records.records_duplicate_settle,
         name="records_duplicate_settle"),
    path(review + "records/cases/", records.records_make_cases, name="records_make_cases"),
    path(review + "records/imports/<int:pk>/", records.records_import_job,
         name="records_import_job"),
    path(review + "records/imports/<int:pk>/confirm/", records.records_import_confirm,
         name="records_import_confirm"),
    path(review + "records/<int:pk>/", records.record_detail, name="record_detail"),
]

# The codebook editor (leads): the page (GET, and POST to save), its check and "Open a file".
urlpatterns += [
    path(review + "codebook/", codebook.codebook_editor, name="codebook_editor"),
    path(review + "codebook/check/", codebook.codebook_check, name="codebook_check"),
    path(review + "codebook/open/", codebook.codebook_open, name="codebook_open"),
]

# Members: leads add, invite, change and remove members; the invitee accepts by link.
urlpatterns += [
    path(review + "members/", members.members, name="members"),
    path(review + "members/add/", members.member_add, name="member_add"),
    path(review + "members/roles/", members.member_roles, name="member_roles"),
    path(review + "members/remove/", members.member_remove_view, name="member_remove"),
    path(review + "members/invitations/<int:pk>/revoke/", members.invitation_revoke_view,
         name="invitation_revoke"),
    path("invitations/<str:token>/", members.invitation_accept_view, name="invitation_accept"),
]

# Documents: the review's page for many at once (leads), a case's full texts (upload and list
# for leads), access-checked download.
urlpatterns += [
    path(review + "documents/", documents.review_documents, name="review_documents"),
    path(review + "documents/check/", documents.review_documents_check,
         name="review_documents_check"),
    path(review + "documents/status/", documents.review_documents_status,
         name="review_documents_status"),
    path(review + "cases/<str:number>/documents/", documents.case_documents_page,
         name="case_documents"),
    path(review + "cases/<str:number>/documents/<int:pk>/file/", documents.document_file,
         name="document_file"),
    path(review + "cases/<str:number>/documents/<int:pk>/delete/", documents.document_delete_view,
         name="document_delete"),
]

# Calibration rounds: leads create them; their coders code every case; results once complete.
urlpatterns += [
    path(review + "rounds/", rounds.rounds, name="rounds"),
    path(review + "rounds/<int:number>/", rounds.round_detail, name="round_detail"),
    path(review + "rounds/<int:number>/promote/", rounds.round_promote_view,
         name="round_promote"),
    path(review + "rounds/<int:number>/cases/<str:case_number>/code/",
         rounds.round_coding_form, name="round_coding_form"),
    path(review + "rounds/<int:number>/cases/<str:case_number>/code/save/",
         rounds.round_coding_save, name="round_coding_save"),
]

# Eligibility screening (stage one): the screener's page (its JSON window and decide/undo
# targets), the lead's settings and assignment pages, conflicts, the decisions as CSV.
urlpatterns += [
    path(review + "screening/", screening.screen, name="screening"),
    path(review + "screening/records.json", screening.records_json, name="screening_records"),
    path(review + "screening/decide/", screening.decide, name="screening_decide"),
    path(review + "screening/undo/", screening.undo, name="screening_undo"),
    path(review + "screening/settings/", screening.settings_page, name="screening_settings"),
    path(review + "screening/assign/", screening.assign_page, name="screening_assign"),
    path(review + "screening/conflicts/", screening.conflicts, name="screening_conflicts"),
    path(review + "screening/conflicts/<int:pk>/", screening.conflict_page,
         name="screening_conflict"),
    path(review + "screening/decisions.csv", screening.decisions_csv,
         name="screening_decisions_csv"),
]
