"""API views. Each finds its review through ReviewMixin, checks roles with the
classes in permissions.py and calls the same services and selectors as the pages."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, generics

from coding import models
from coding.access import get_public_review, review_roles
from coding.api import serializers as s
from coding.api.permissions import IsPublishedReadOnly, IsReviewMember

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The review's slug.")


class ReviewMixin:
    """The review named by the URL's slug: 404 unless published or the client is a member."""

    def get_review(self) -> models.Review:
        if not hasattr(self, "_review"):
            self._review = get_public_review(self.request.user, self.kwargs["slug"])
        return self._review

    def roles(self) -> set[str]:
        return review_roles(self.request.user, self.get_review())


def _values_prefetch(model, lookup: str = "values"):
    return Prefetch(
        lookup,
        queryset=model.objects.select_related("attribute").prefetch_related("options"),
    )


# --------------------------------------------------------------------------- reviews


@extend_schema_view(
    get=extend_schema(summary="Reviews you can see", tags=["reviews"],
                      description="Published reviews, plus every review you are a member of.")
)
class ReviewList(generics.ListAPIView):
    serializer_class = s.ReviewSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        user = self.request.user
        visible = models.Review.objects.published()
        if user.is_authenticated:
            visible = models.Review.objects.filter(
                pk__in=visible.values("pk").union(
                    models.Review.objects.for_member(user).values("pk")
                )
            )
        return visible.order_by("title")

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


@extend_schema_view(get=extend_schema(summary="One review", tags=["reviews"], parameters=[SLUG]))
class ReviewDetail(ReviewMixin, generics.RetrieveAPIView):
    serializer_class = s.ReviewSerializer

    def get_object(self):
        return self.get_review()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["roles_by_review"] = {self.get_review().pk: self.roles()}
        return context


@extend_schema_view(
    get=extend_schema(summary="The review's current codebook", tags=["reviews"],
                      parameters=[SLUG],
                      description="Sections, their attributes and the attributes' options.")
)
class CodebookDetail(ReviewMixin, generics.RetrieveAPIView):
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


# --------------------------------------------------------------------------- cases


class CaseQuerysetMixin(ReviewMixin):
    permission_classes = [IsPublishedReadOnly | IsReviewMember]

    def get_queryset(self):
        return (
            models.Case.objects.filter(review=self.get_review())
            .select_related("review")
            .prefetch_related("service_areas")
        )


@extend_schema_view(get=extend_schema(summary="The review's cases", tags=["cases"],
                                      parameters=[SLUG]))
class CaseList(CaseQuerysetMixin, generics.ListAPIView):
    serializer_class = s.CaseSerializer
    filter_backends = [filters.SearchFilter, filters.OrderingFilter]
    search_fields = ["title", "summary", "country"]
    ordering_fields = {"sort_key": "number", "title": "title", "country": "country",
                       "year": "year"}
    ordering = ["sort_key", "number"]


@extend_schema_view(
    get=extend_schema(
        summary="One case with its consensus values", tags=["cases"],
        parameters=[SLUG, OpenApiParameter("number", str, OpenApiParameter.PATH,
                                           description="The case's number.")],
    )
)
class CaseDetail(CaseQuerysetMixin, generics.RetrieveAPIView):
    serializer_class = s.CaseDetailSerializer
    lookup_field = "number"

    def get_queryset(self):
        return super().get_queryset().prefetch_related(
            _values_prefetch(models.ConsensusValue, "consensus_values")
        )


@extend_schema_view(
    get=extend_schema(summary="Consensus values", tags=["consensus"], parameters=[
        SLUG,
        OpenApiParameter("case", str, description="Only this case (its number)."),
        OpenApiParameter("attribute", str, description="Only this attribute (its key)."),
    ])
)
class ConsensusList(ReviewMixin, generics.ListAPIView):
    """Settled values (agreed by both coders or adjudicated) of a published review, or of
    a review you are a member of."""

    serializer_class = s.ConsensusValueSerializer
    permission_classes = [IsPublishedReadOnly | IsReviewMember]
    filter_backends: list = []

    def get_queryset(self):
        values = (
            models.ConsensusValue.objects.filter(case__review=self.get_review())
            .select_related("attribute", "case")
            .prefetch_related("options")
            .order_by("case__sort_key", "case__number", "attribute__section__order",
                      "attribute__order", "id")
        )
        if case := self.request.query_params.get("case"):
            values = values.filter(case__number=case)
        if attribute := self.request.query_params.get("attribute"):
            values = values.filter(attribute__key=attribute)
        return values

