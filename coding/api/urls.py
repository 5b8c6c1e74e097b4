from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from coding.api import views

app_name = "api"

review = "reviews/<slug:slug>/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("reviews/", views.ReviewList.as_view(), name="review-list"),
    path(review, views.ReviewDetail.as_view(), name="review-detail"),
    path(review + "codebook/", views.CodebookDetail.as_view(), name="codebook"),
    path(review + "cases/", views.CaseList.as_view(), name="case-list"),
    path(review + "cases/<str:number>/", views.CaseDetail.as_view(), name="case-detail"),
    path(review + "consensus/", views.ConsensusList.as_view(), name="consensus-list"),
    path(review + "dashboard/", views.DashboardView.as_view(), name="dashboard"),
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
    path(review + "reliability/", views.ReliabilityView.as_view(), name="reliability"),
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
    path(review + "cases/<str:number>/documents/", views.DocumentList.as_view(),
         name="document-list"),
    path(review + "cases/<str:number>/documents/<int:pk>/", views.DocumentDetail.as_view(),
         name="document-detail"),
    path(review + "cases/<str:number>/documents/<int:pk>/file/",
         views.DocumentFile.as_view(), name="document-file"),
]
