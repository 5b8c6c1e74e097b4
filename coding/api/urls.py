from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from coding.api import views
from coding.api.views.prisma import PrismaView
from coding.api.views.releases import ReleaseDetail, ReleaseJobDetail, ReleaseList

app_name = "api"

review = "reviews/<slug:slug>/"

urlpatterns = [
    # The API denies by default (coding.api.permissions.DenyByDefault); its description and
    # documentation page are public, and say so here.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema",
                                                      permission_classes=[AllowAny]),
         name="docs"),
    path("notifications/", views.NotificationList.as_view(), name="notification-list"),
    path("notifications/read-all/", views.NotificationsReadAll.as_view(),
         name="notification-read-all"),
    path("notifications/<int:id>/read/", views.NotificationRead.as_view(),
         name="notification-read"),
    path("reviews/", views.ReviewList.as_view(), name="review-list"),
    path(review, views.ReviewDetail.as_view(), name="review-detail"),
    path(review + "codebook/", views.CodebookDetail.as_view(), name="codebook"),
    path(review + "cases/", views.CaseList.as_view(), name="case-list"),
    path(review + "cases/<str:number>/", views.CaseDetail.as_view(), name="case-detail"),
    path(review + "consensus/", views.ConsensusList.as_view(), name="consensus-list"),
    path(review + "dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path(review + "prisma/", PrismaView.as_view(), name="prisma"),
    path(review + "releases/", ReleaseList.as_view(), name="release-list"),
    path(review + "releases/<int:n>/", ReleaseDetail.as_view(), name="release-detail"),
    path(review + "releases/jobs/<int:job>/", ReleaseJobDetail.as_view(),
         name="release-job-detail"),
    path(review + "codings/", views.CodingList.as_view(), name="coding-list"),
    path(review + "codings/<str:number>/", views.CodingDetail.as_view(), name="coding-detail"),
    path(review + "codings/<str:number>/submit/", views.CodingSubmit.as_view(),
         name="coding-submit"),
    path(review + "assignments/", views.AssignmentList.as_view(), name="assignment-list"),
    path(review + "disagreements/", views.DisagreementList.as_view(),
         name="disagreement-list"),
    path(review + "disagreements/<int:pk>/", views.DisagreementDetail.as_view(),
         name="disagreement-detail"),
    path(review + "disagreements/<int:pk>/resolve/", views.DisagreementResolve.as_view(),
         name="disagreement-resolve"),
    path(review + "disagreements/<int:pk>/reopen/", views.DisagreementReopen.as_view(),
         name="disagreement-reopen"),
    path(review + "discussions/", views.DiscussionList.as_view(), name="discussion-list"),
    path(review + "disagreements/<int:pk>/comments/", views.DisagreementComments.as_view(),
         name="disagreement-comments"),
    path(review + "disagreements/<int:pk>/propose/", views.DisagreementPropose.as_view(),
         name="disagreement-propose"),
    path(review + "disagreements/<int:pk>/accept/", views.DisagreementAccept.as_view(),
         name="disagreement-accept"),
    path(review + "disagreements/<int:pk>/escalate/", views.DisagreementEscalate.as_view(),
         name="disagreement-escalate"),
    path(review + "reliability/", views.ReliabilityView.as_view(), name="reliability"),
    path(review + "package/", views.PackageView.as_view(), name="package"),
    path(review + "reliability/drift/", views.DriftView.as_view(), name="reliability-drift"),
    path(review + "members/", views.MemberList.as_view(), name="member-list"),
    path(review + "members/invitations/", views.InvitationList.as_view(),
         name="invitation-list"),
    path(review + "members/invitations/<int:id>/", views.InvitationDetail.as_view(),
         name="invitation-detail"),
    path(review + "rounds/", views.RoundList.as_view(), name="round-list"),
    path(review + "rounds/<int:round>/", views.RoundDetail.as_view(), name="round-detail"),
    path(review + "rounds/<int:round>/promote/", views.RoundPromote.as_view(),
         name="round-promote"),
    path(review + "rounds/<int:round>/codings/<str:number>/", views.RoundCodingDetail.as_view(),
         name="round-coding-detail"),
    path(review + "rounds/<int:round>/codings/<str:number>/submit/",
         views.RoundCodingSubmit.as_view(), name="round-coding-submit"),
    path(review + "documents/", views.ReviewDocuments.as_view(), name="review-documents"),
    path(review + "cases/<str:number>/documents/", views.DocumentList.as_view(),
         name="document-list"),
    path(review + "cases/<str:number>/documents/<int:pk>/", views.DocumentDetail.as_view(),
         name="document-detail"),
    path(review + "cases/<str:number>/documents/<int:pk>/file/",
         views.DocumentFile.as_view(), name="document-file"),
]
