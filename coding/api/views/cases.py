"""API views of the public data: cases, consensus values and the dashboard's aggregates."""


from django.db.models import Prefetch
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics
from rest_framework.response import Response

from coding import models
from coding.api import serializers as s
from coding.api.permissions import (
    IsPublishedReadOnly,
    IsReviewMember,
)
from coding.api.views.common import (
    ERRORS,
    NUMBER,
    READ_ERRORS,
    SLUG,
    ReviewMixin,
    SharedReaderMixin,
    _values,
)
from coding.documents.policies import documents_visible_to
from coding.public.cache import case_filter_for, choices_for, codebook_for, dashboard_data
from coding.public.filters import CaseFilter
from coding.public.policies import may_see_decisions, public_consensus_values
from coding.public.selectors import consensus_for_api, service_area_names


class CaseFilterBackend(DjangoFilterBackend):
    """The gallery's CaseFilter, given the view's review (and its codebook)."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["review"] = view.get_review()
        kwargs["codebook"] = view.codebook()
        # Cached per data version, and read only when a filter needs them.
        kwargs["choices"] = lambda: choices_for(kwargs["review"])
        return kwargs


FILTER_HELP = (
    "The gallery's filters, search and sort (coding.filters.CaseFilter). Besides the "
    "parameters listed, every choice or yes/no attribute of the review's codebook is a filter "
    "named by its key and matching consensus values, e.g. `?level=local&citizen_roles="
    "co_deliverer` (several values of one attribute: any of them; several attributes: all). "
    "An unknown value is refused with 400 and the filter's name."
)


class CaseQuerysetMixin(ReviewMixin):
    permission_classes = [IsPublishedReadOnly | IsReviewMember]

    def codebook(self):
        return codebook_for(self.get_review())  # cached per data version

    def get_queryset(self):
        return models.Case.objects.filter(review=self.get_review()).select_related("review")


INCLUDE = OpenApiParameter(
    "include", str, enum=["consensus"], description=(
        "`consensus`: each case also carries `consensus`, its consensus values as on "
        "`cases/<number>/` (empty while coding is in progress); the page costs the same "
        "few queries whatever its size."
    ),
)


@extend_schema_view(get=extend_schema(summary="The review's cases", tags=["cases"],
                                      description=FILTER_HELP, parameters=[SLUG, INCLUDE],
                                      responses={200: s.CaseSerializer(many=True),
                                                 400: ERRORS[400], **READ_ERRORS}))
class CaseList(SharedReaderMixin, CaseQuerysetMixin, generics.ListAPIView):
    serializer_class = s.CaseSerializer
    filter_backends = [CaseFilterBackend]
    filterset_class = CaseFilter

    def includes(self) -> set[str]:
        wanted = {part.strip() for value in self.request.query_params.getlist("include")
                  for part in value.split(",") if part.strip()}
        unknown = sorted(wanted - {"consensus"})
        if unknown:
            raise exceptions.ValidationError({"include": [
                gettext("unknown value %(values)s (allowed: consensus)") % {
                    "values": ", ".join(map(repr, unknown))}]})
        return wanted

    def list(self, request, *args, **kwargs):
        includes = self.includes()
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        ids = [case.pk for case in page]
        context = self.get_serializer_context()
        # One query each for the whole page (coding.public.selectors).
        context["service_areas"] = service_area_names(ids)
        if "consensus" not in includes:
            data = s.CaseSerializer(page, many=True, context=context).data
        else:
            context["consensus"] = consensus_for_api(case_ids=ids)
            data = s.CaseWithConsensusSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


@extend_schema_view(
    get=extend_schema(summary="One case with its consensus values", tags=["cases"],
                      parameters=[SLUG, NUMBER],
                      responses={200: s.CaseDetailSerializer, **READ_ERRORS})
)
class CaseDetail(SharedReaderMixin, CaseQuerysetMixin, generics.RetrieveAPIView):
    serializer_class = s.CaseDetailSerializer
    lookup_field = "number"

    def get_queryset(self):
        documents = documents_visible_to(self.request.user, models.Document.objects.all())
        return super().get_queryset().prefetch_related(
            "service_areas",
            _values(models.ConsensusValue),
            Prefetch("documents", queryset=documents.order_by("uploaded_at", "id")),
        )


@extend_schema_view(
    get=extend_schema(summary="Consensus values", tags=["consensus"], parameters=[
        SLUG,
        OpenApiParameter("case", str, description="Only this case (its number)."),
        OpenApiParameter("attribute", str, description="Only this attribute (its key)."),
    ], responses={200: s.ConsensusValueSerializer(many=True), **READ_ERRORS})
)
class ConsensusList(SharedReaderMixin, ReviewMixin, generics.ListAPIView):
    """Settled values (agreed by both coders or adjudicated) of a published review, or of
    a review you are a member of, of cases whose consensus is complete: both coders have
    submitted and no disagreement is open (coding.public.policies). Readers and coders get
    the reader's fields only; the review's leads and adjudicators also the rationale."""

    permission_classes = [IsPublishedReadOnly | IsReviewMember]

    def get_serializer_class(self):
        if may_see_decisions(self.request.user, self.get_review()):
            return s.ConsensusValueSerializer
        return s.ReaderConsensusValueSerializer

    def get_queryset(self):
        values = (
            public_consensus_values(models.ConsensusValue.objects.filter(
                case__review=self.get_review()))
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


class DashboardData(CaseQuerysetMixin, generics.GenericAPIView):
    serializer_class = s.DashboardSerializer
    filter_backends = [CaseFilterBackend]
    filterset_class = CaseFilter
    pagination_class = None

    def get(self, request, *args, **kwargs):
        review = self.get_review()
        case_filter = case_filter_for(review, request.query_params,
                                      models.Case.objects.filter(review=review),
                                      request=request)
        if not case_filter.is_valid():
            raise exceptions.ValidationError(case_filter.errors)
        # The page's cached data (coding.public.cache): computed once per data version.
        board = dashboard_data(review=review, case_filter=case_filter)
        charts = []
        for group in board.groups:
            for chart in group.charts:
                chart.group = group.title
                charts.append(chart)
        data = {"cases": board.total, "filters": case_filter.active_filters(),
                "charts": charts}
        return Response(s.DashboardSerializer(data).data)


@extend_schema_view(
    get=extend_schema(
        summary="The dashboard's aggregates", tags=["consensus"], description=(
            "Every chart of the dashboard page, with the same numbers (its CSV rows), for the "
            "cases matching the gallery's filters. " + FILTER_HELP
        ), parameters=[SLUG], responses={200: s.DashboardSerializer, 400: ERRORS[400],
                                         **READ_ERRORS},
    )
)
class DashboardView(SharedReaderMixin, DashboardData):
    """The dashboard's data, shared with anonymous readers per data version."""
