"""API views of reviews and their codebooks."""


from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, permissions
from rest_framework.response import Response

from coding import models
from coding.api import serializers as s
from coding.api.permissions import (
    IsPublishedReadOnly,
    IsReviewMember,
    user_policy_permission,
)
from coding.api.views.common import (
    ERRORS,
    READ_ERRORS,
    SLUG,
    ReviewMixin,
    SharedReaderMixin,
    service_errors,
)
from coding.reviews.policies import may_create_review
from coding.reviews.services import review_create

MayCreateReview = user_policy_permission(
    may_create_review,
    gettext_lazy("Your account may not create reviews (REVIEW_CREATORS): ask the server's "
                 "administrator."),
    "MayCreateReview",
)


@extend_schema_view(
    get=extend_schema(summary="Reviews you can see", tags=["reviews"],
                      description="Published reviews, plus every review you are a member of."),
    post=extend_schema(
        summary="Create a review", tags=["reviews"], request=s.ReviewInputSerializer,
        responses={201: s.ReviewSerializer, **{c: ERRORS[c] for c in (400, 401, 403)}},
        description="Signed-in accounts, or staff only, as the server's REVIEW_CREATORS "
        "setting says (superusers always). The review is unpublished and you are its lead; "
        "400 names each field that is wrong (`fields`), e.g. a slug already taken."),
)
class ReviewList(generics.ListAPIView):
    # Anyone lists (the list itself is filtered to what the client may see); creating asks
    # the review policy.
    permission_classes = [permissions.AllowAny]
    serializer_class = s.ReviewSerializer
    pagination_class = None

    def get_permissions(self):
        if self.request.method == "POST":
            return [MayCreateReview()]
        return super().get_permissions()

    def post(self, request):
        payload = s.ReviewInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            review = review_create(actor=request.user, **payload.validated_data)
        data = s.ReviewSerializer(review, context={
            "request": request, "roles_by_review": {review.pk: {models.Role.LEAD}},
        }).data
        return Response(data, status=201, headers={"Location": data["url"]})

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


