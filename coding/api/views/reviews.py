"""API views of reviews and their codebooks."""


from django.db.models import Prefetch, Q
from django.http import Http404
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, permissions

from coding import models
from coding.api import serializers as s
from coding.api.permissions import (
    IsPublishedReadOnly,
    IsReviewMember,
)
from coding.api.views.common import ERRORS, READ_ERRORS, SLUG, ReviewMixin, SharedReaderMixin


@extend_schema_view(
    get=extend_schema(summary="Reviews you can see", tags=["reviews"],
                      description="Published reviews, plus every review you are a member of.")
)
class ReviewList(generics.ListAPIView):
    # Anyone: the list itself is filtered to what the client may see.
    permission_classes = [permissions.AllowAny]
    serializer_class = s.ReviewSerializer
    pagination_class = None

    def get_queryset(self):
        visible = Q(is_published=True)
        if self.request.user.is_authenticated:
            visible |= Q(pk__in=models.Membership.objects.filter(
                user=self.request.user).values("review"))
        return models.Review.objects.filter(visible).order_by("title")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        roles: dict[int, set[str]] = {}
        if self.request.user.is_authenticated:
            for review_id, role in models.Membership.objects.filter(
                user=self.request.user
            ).values_list("review_id", "role"):
                roles.setdefault(review_id, set()).add(role)
        context["roles_by_review"] = roles
        return context


@extend_schema_view(get=extend_schema(summary="One review", tags=["reviews"], parameters=[SLUG],
                                      responses={200: s.ReviewSerializer, 404: ERRORS[404]}))
class ReviewDetail(SharedReaderMixin, ReviewMixin, generics.RetrieveAPIView):
    serializer_class = s.ReviewSerializer
    permission_classes = [IsPublishedReadOnly | IsReviewMember]

    def get_object(self):
        return self.get_review()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["roles_by_review"] = {self.get_review().pk: self.roles()}
        return context


@extend_schema_view(
    get=extend_schema(summary="The review's current codebook", tags=["reviews"],
                      parameters=[SLUG], responses={200: s.CodebookSerializer, **READ_ERRORS},
                      description="Sections, their attributes and the attributes' options.")
)
class CodebookDetail(SharedReaderMixin, ReviewMixin, generics.RetrieveAPIView):
    serializer_class = s.CodebookSerializer
    permission_classes = [IsPublishedReadOnly | IsReviewMember]

    def get_object(self):
        codebook = (
            models.Codebook.objects.filter(review=self.get_review())
            .prefetch_related(
                Prefetch(
                    "sections__attributes",
                    queryset=models.Attribute.objects.prefetch_related("options"),
                )
            )
            .order_by("-version")
            .first()
        )
        if codebook is None:
            raise Http404("This review has no codebook yet.")
        return codebook


