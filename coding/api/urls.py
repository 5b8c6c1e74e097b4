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
]
