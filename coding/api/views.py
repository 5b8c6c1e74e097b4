"""API views. Each finds its review through ReviewMixin, checks roles with the classes in
permissions.py and calls the same services and selectors as the pages:
coding.services (assignments, drafts, submit), coding.adjudication (disagreements),
coding.reliability_report, coding.filters.CaseFilter and coding.dashboard."""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from coding import models
from coding.adjudication.services import disagreement_reopen, disagreement_resolve
from coding.api import serializers as s
from coding.api.permissions import (
    IsPublishedReadOnly,
    IsReviewAdjudicator,
    IsReviewCoder,
    IsReviewLead,
    IsReviewMember,
)
from coding.assignments.services import cases_assign
from coding.codings.selectors import QueueState, coder_queue
from coding.codings.services import CodingConflict, coding_save_draft, coding_start, coding_submit
from coding.documents.policies import documents_visible_to
from coding.models import AttributeKind, CodingStatus, DisagreementStatus
from coding.public.dashboard import Dashboard
from coding.public.filters import CaseFilter
from coding.reliability.selectors import reliability_report
from coding.reviews.policies import get_public_review, review_roles
from coding.reviews.selectors import review_codebook
from coding.values import differing_options, stored_value, value_json

SLUG = OpenApiParameter(
    "slug", {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}, OpenApiParameter.PATH,
    description="The review's slug.",
    examples=[OpenApiExample("The bundled review", value="coproduction")],
)
NUMBER = OpenApiParameter(
    "number", {"type": "string", "pattern": "^[^/]+$"}, OpenApiParameter.PATH,
    description="The case's number.", examples=[OpenApiExample("Case 1", value="1")],
)
ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input; nothing was saved."),
    401: OpenApiResponse(s.ErrorSerializer, description="Not signed in (send a token)."),
    403: OpenApiResponse(s.ErrorSerializer, description="Your roles do not allow this."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such review or object for you."),
}
READ_ERRORS = {code: ERRORS[code] for code in (401, 403, 404)}
CONFLICT = {
    409: OpenApiResponse(
        s.ErrorSerializer,
        description="Someone saved in between (version changed): nothing was saved.",
    )
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Refused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


@contextmanager
def service_errors():
    """Turn a service's ValidationError into 409 (version conflict), 403 (an adjudicator's
    own case) or 400, with the service's message as `detail`."""
    try:
        yield
    except ValidationError as error:
        message = " ".join(error.messages)
        code = getattr(error, "code", None)
        body = {"detail": message, "errors": error.messages}
        params = getattr(error, "params", None)
        if isinstance(params, dict) and "missing" in params:
            body["missing"] = params["missing"]
        if code == "conflict" or isinstance(error, CodingConflict):
            raise Conflict(body) from None
        if code == "own_case":
            raise exceptions.PermissionDenied(body) from None
        raise Refused(body) from None


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ReviewMixin:
    """The review named by the URL's slug: 404 unless published or the client is a member."""

    pagination_class = Pagination

    def get_review(self) -> models.Review:
        if getattr(self, "swagger_fake_view", False):
            return models.Review(pk=0, slug="schema")  # drf-spectacular's schema generation
        if not hasattr(self, "_review"):
            self._review = get_public_review(self.request.user, self.kwargs["slug"])
        return self._review

    def roles(self) -> set[str]:
        return review_roles(self.request.user, self.get_review())

    def check_permissions(self, request):
        # The review first: an unpublished review is 404 for everyone outside it, signed in
        # or not, before any 401/403 could hint that it exists.
        self.get_review()
        super().check_permissions(request)


def _values(model) -> Prefetch:
    return Prefetch(
        "values" if model is models.CodedValue else "consensus_values",
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
                      parameters=[SLUG], responses={200: s.CodebookSerializer, **READ_ERRORS},
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


class CaseFilterBackend(DjangoFilterBackend):
    """The gallery's CaseFilter, given the view's review (and its codebook)."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["review"] = view.get_review()
        kwargs["codebook"] = view.codebook()
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
        if not hasattr(self, "_codebook"):
            self._codebook = review_codebook(self.get_review())
        return self._codebook

    def get_queryset(self):
        return (
            models.Case.objects.filter(review=self.get_review())
            .select_related("review")
            .prefetch_related("service_areas")
        )


@extend_schema_view(get=extend_schema(summary="The review's cases", tags=["cases"],
                                      description=FILTER_HELP, parameters=[SLUG],
                                      responses={200: s.CaseSerializer(many=True),
                                                 400: ERRORS[400], **READ_ERRORS}))
class CaseList(CaseQuerysetMixin, generics.ListAPIView):
    serializer_class = s.CaseSerializer
    filter_backends = [CaseFilterBackend]
    filterset_class = CaseFilter


@extend_schema_view(
    get=extend_schema(summary="One case with its consensus values", tags=["cases"],
                      parameters=[SLUG, NUMBER],
                      responses={200: s.CaseDetailSerializer, **READ_ERRORS})
)
class CaseDetail(CaseQuerysetMixin, generics.RetrieveAPIView):
    serializer_class = s.CaseDetailSerializer
    lookup_field = "number"

    def get_queryset(self):
        documents = documents_visible_to(self.request.user, models.Document.objects.all())
        return super().get_queryset().prefetch_related(
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
class ConsensusList(ReviewMixin, generics.ListAPIView):
    """Settled values (agreed by both coders or adjudicated) of a published review, or of
    a review you are a member of. Values exist only once both coders have submitted."""

    serializer_class = s.ConsensusValueSerializer
    permission_classes = [IsPublishedReadOnly | IsReviewMember]

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


@extend_schema_view(
    get=extend_schema(
        summary="The dashboard's aggregates", tags=["consensus"], description=(
            "Every chart of the dashboard page, with the same numbers (its CSV rows), for the "
            "cases matching the gallery's filters. " + FILTER_HELP
        ), parameters=[SLUG], responses={200: s.DashboardSerializer, 400: ERRORS[400],
                                         **READ_ERRORS},
    )
)
class DashboardView(CaseQuerysetMixin, generics.GenericAPIView):
    serializer_class = s.DashboardSerializer
    filter_backends = [CaseFilterBackend]
    filterset_class = CaseFilter
    pagination_class = None

    def get(self, request, *args, **kwargs):
        review = self.get_review()
        case_filter = CaseFilter(
            request.query_params, queryset=models.Case.objects.filter(review=review),
            review=review, codebook=self.codebook(), request=request,
        )
        if not case_filter.is_valid():
            raise exceptions.ValidationError(case_filter.errors)
        board = Dashboard(review=review, cases=case_filter.qs, codebook=self.codebook(),
                          filters=case_filter.active_filters())
        charts = []
        for group in board.groups():
            for chart in group.charts:
                chart.group = group.title
                charts.append(chart)
        data = {"cases": case_filter.qs.count(), "filters": case_filter.active_filters(),
                "charts": charts}
        return Response(s.DashboardSerializer(data).data)


# --------------------------------------------------------------------------- codings


class CoderMixin(ReviewMixin):
    permission_classes = [IsReviewCoder]

    def assigned_case(self) -> models.Case:
        """A case of the review assigned to the caller; 404 otherwise (no hint whether it
        exists or who codes it)."""
        return get_object_or_404(
            models.Case.objects.select_related("review"),
            review=self.get_review(), number=self.kwargs["number"],
            assignments__coder=self.request.user,
        )

    def own_coding(self, case) -> models.Coding | None:
        return (
            models.Coding.objects.filter(case=case, coder=self.request.user)
            .select_related("case", "codebook")
            .prefetch_related(_values(models.CodedValue))
            .first()
        )

    def coding_response(self, case, coding, status_code=200) -> Response:
        if coding is None:
            codebook = case.review.current_codebook()
            data = {"case": case.number, "status": "not_started", "version": 0,
                    "codebook_version": codebook.version if codebook else None,
                    "updated_at": None, "submitted_at": None, "values": []}
        else:
            data = {"case": case.number, "status": coding.status, "version": coding.version,
                    "codebook_version": coding.codebook.version,
                    "updated_at": coding.updated_at, "submitted_at": coding.submitted_at,
                    "values": coding.values.all()}
        return Response(s.CodingSerializer(data).data, status=status_code)


@extend_schema_view(
    get=extend_schema(
        summary="Your assigned cases and your codings' states", tags=["codings"],
        parameters=[SLUG, OpenApiParameter(
            "state", str, enum=QueueState.values,
            description="Only cases where your coding is in this state.")],
        responses={200: s.QueueItemSerializer(many=True), **READ_ERRORS},
        description="Coders only. Shows your own codings only, never another coder's.",
    )
)
class CodingList(CoderMixin, generics.ListAPIView):
    serializer_class = s.QueueItemSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return models.Assignment.objects.none()
        own_version = Subquery(
            models.Coding.objects.filter(case=OuterRef("case"), coder=OuterRef("coder"))
            .values("version")[:1], output_field=IntegerField(),
        )
        state = self.request.query_params.get("state")
        if state and state not in QueueState.values:
            raise exceptions.ValidationError(
                {"state": [f"Choose one of {', '.join(QueueState.values)}."]}
            )
        return (
            coder_queue(review=self.get_review(), user=self.request.user, state=state)
            .select_related("case__review")
            .annotate(coding_version=Coalesce(own_version, Value(0)))
        )


@extend_schema_view(
    get=extend_schema(summary="Your coding of a case", tags=["codings"],
                      parameters=[SLUG, NUMBER],
                      responses={200: s.CodingSerializer, **READ_ERRORS}),
    put=extend_schema(
        summary="Save a draft of your coding", tags=["codings"], parameters=[SLUG, NUMBER],
        request=s.CodingDraftSerializer,
        responses={200: s.CodingSerializer, **ERRORS, **CONFLICT},
        examples=[OpenApiExample("Level and a quote", request_only=True, value={
            "version": 0, "values": [{"attribute": "level", "value": "local",
                                      "evidence": "run by the municipality", "note": ""}],
        })],
        description=(
            "Saves the attributes listed in `values` (others keep what they hold); an "
            "attribute sent with no value, evidence or note is cleared. `version` must be the "
            "version you last read: if someone saved in between you get 409 and nothing is "
            "saved. A submitted coding is read-only (409)."
        ),
    ),
)
class CodingDetail(CoderMixin, APIView):
    serializer_class = s.CodingSerializer

    def get(self, request, slug, number):
        case = self.assigned_case()
        return self.coding_response(case, self.own_coding(case))

    def put(self, request, slug, number):
        case = self.assigned_case()
        payload = s.CodingDraftSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values: dict[str, dict] = {}
        for item in payload.validated_data["values"]:
            if item["attribute"] in values:
                raise exceptions.ValidationError(
                    {"values": [f"Attribute {item['attribute']!r} is given twice."]}
                )
            values[item["attribute"]] = item
        with service_errors():
            coding = coding_start(case=case, user=request.user)
            coding_save_draft(
                coding=coding, values=values, user=request.user,
                expected_version=payload.validated_data.get("version") or 0,
            )
        return self.coding_response(case, self.own_coding(case))


@extend_schema(
    summary="Submit your coding", tags=["codings"], parameters=[SLUG, NUMBER],
    request=s.VersionSerializer, responses={200: s.CodingSerializer, **ERRORS, **CONFLICT},
    examples=[OpenApiExample("After one save", request_only=True, value={"version": 1})],
    description="Checks the required attributes (400 names those missing, in `missing`), "
    "then makes the coding read-only. Once both coders have submitted, disagreements are "
    "detected and agreed values become consensus.",
)
class CodingSubmit(CoderMixin, APIView):
    serializer_class = s.CodingSerializer

    def post(self, request, slug, number):
        case = self.assigned_case()
        payload = s.VersionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        coding = self.own_coding(case)
        if coding is None:
            raise Refused({"detail": "Nothing to submit: save a draft of this coding first."})
        with service_errors():
            coding_submit(coding=coding, user=request.user,
                                   expected_version=payload.validated_data["version"])
        return self.coding_response(case, self.own_coding(case))


# --------------------------------------------------------------------------- assignments


@extend_schema_view(
    get=extend_schema(summary="Who codes which case", tags=["assignments"], parameters=[SLUG],
                      responses={200: s.AssignmentSerializer(many=True), **READ_ERRORS},
                      description="Review leads only."),
    post=extend_schema(
        summary="Assign cases to coders", tags=["assignments"], parameters=[SLUG],
        request=s.AssignInputSerializer,
        responses={201: s.AssignmentSerializer(many=True), **ERRORS},
        examples=[OpenApiExample("Two coders, two cases", request_only=True,
                                 value={"coders": ["coder_a", "coder_b"], "cases": ["1", "2"]})],
        description="Gives every case (or the cases listed) two of the coders listed, "
        "balancing the load; cases that already have their coders are left alone. Returns "
        "the assignments created. Review leads only.",
    ),
)
class AssignmentList(ReviewMixin, generics.ListAPIView):
    serializer_class = s.AssignmentSerializer
    permission_classes = [IsReviewLead]

    def get_queryset(self):
        return (
            models.Assignment.objects.filter(case__review=self.get_review())
            .select_related("case", "coder")
            .order_by("case__sort_key", "case__number", "assigned_at", "id")
        )

    def post(self, request, slug):
        review = self.get_review()
        payload = s.AssignInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        names = payload.validated_data["coders"]
        users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
        unknown = [name for name in names if name not in users]
        if unknown:
            raise Refused({"detail": f"No such user: {', '.join(unknown)}."})
        cases = None
        if "cases" in payload.validated_data:
            numbers = payload.validated_data["cases"]
            cases = list(models.Case.objects.filter(review=review, number__in=numbers))
            missing = sorted(set(numbers) - {c.number for c in cases})
            if missing:
                raise Refused({"detail": f"No such case in this review: {', '.join(missing)}."})
        with service_errors():
            created = cases_assign(
                review=review, coders=[users[name] for name in names], assigned_by=request.user,
                per_case=payload.validated_data["per_case"], cases=cases,
            )
        return Response(s.AssignmentSerializer(created, many=True).data,
                        status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- adjudication


class AdjudicatorMixin(ReviewMixin):
    permission_classes = [IsReviewAdjudicator | IsReviewLead]

    def disagreements(self):
        """The review's disagreements, except on cases the caller is assigned to or coded:
        they may not decide those, and leaving them out keeps a coder-adjudicator blind."""
        user = self.request.user
        return (
            models.Disagreement.objects.filter(case__review=self.get_review())
            .exclude(case__assignments__coder=user)
            .exclude(case__codings__coder=user)
            .select_related("case", "attribute", "coding_a__coder", "coding_b__coder")
            .order_by("case__sort_key", "case__number", "attribute__section__order",
                      "attribute__order", "id")
        )


def _side(coding: models.Coding, stored, attribute) -> dict:
    # Leads and adjudicators see a coding once it is submitted (progress.coding_visible);
    # these are never the caller's own cases (AdjudicatorMixin.disagreements).
    visible = coding.status == CodingStatus.SUBMITTED
    return {
        "coder": coding.coder.username,
        "submitted": visible,
        "value": value_json(stored_value(attribute, stored)) if visible else None,
        "evidence": stored.evidence if visible and stored else "",
        "note": stored.note if visible and stored else "",
    }


def _disagreement_rows(disagreements: list[models.Disagreement]) -> list[dict]:
    """Both sides and the current consensus of each disagreement, in three queries."""
    coded = {
        (v.coding_id, v.attribute_id): v
        for v in models.CodedValue.objects.filter(
            coding_id__in={i for d in disagreements for i in (d.coding_a_id, d.coding_b_id)},
            attribute_id__in={d.attribute_id for d in disagreements},
        ).prefetch_related("options")
    }
    consensus = {
        (c.case_id, c.attribute_id): c
        for c in models.ConsensusValue.objects.filter(
            case_id__in={d.case_id for d in disagreements},
            attribute_id__in={d.attribute_id for d in disagreements},
        ).prefetch_related("options")
    }
    rows = []
    for d in disagreements:
        attribute = d.attribute
        a = _side(d.coding_a, coded.get((d.coding_a_id, d.attribute_id)), attribute)
        b = _side(d.coding_b, coded.get((d.coding_b_id, d.attribute_id)), attribute)
        only_a = only_b = None
        if attribute.kind == AttributeKind.MULTI and a["submitted"] and b["submitted"]:
            only_a, only_b = differing_options(frozenset(a["value"] or ()),
                                               frozenset(b["value"] or ()))
        current = consensus.get((d.case_id, d.attribute_id))
        rows.append({
            "id": d.pk, "case": d.case.number, "attribute": attribute.key,
            "kind": attribute.kind, "status": d.status, "detected_at": d.detected_at,
            "resolved_at": d.resolved_at, "a": a, "b": b, "only_a": only_a, "only_b": only_b,
            "consensus": None if current is None else {
                "value": value_json(stored_value(attribute, current)),
                "method": current.method, "rationale": current.rationale,
                "version": current.version,
            },
            "consensus_version": current.version if current else 0,
        })
    return rows


@extend_schema_view(
    get=extend_schema(
        summary="Disagreements to adjudicate", tags=["adjudication"], parameters=[
            SLUG,
            OpenApiParameter("status", str, enum=DisagreementStatus.values),
            OpenApiParameter("attribute", str, description="Only this attribute (its key)."),
            OpenApiParameter("case", str, description="Only this case (its number)."),
        ],
        responses={200: s.DisagreementSerializer(many=True), **READ_ERRORS},
        description="Adjudicators and leads. Disagreements exist only once both assigned "
        "coders have submitted; cases you are assigned to or coded are left out.",
    )
)
class DisagreementList(AdjudicatorMixin, generics.ListAPIView):
    serializer_class = s.DisagreementSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return models.Disagreement.objects.none()
        rows = self.disagreements()
        params = self.request.query_params
        if state := params.get("status"):
            if state not in DisagreementStatus.values:
                raise exceptions.ValidationError(
                    {"status": [f"Choose one of {', '.join(DisagreementStatus.values)}."]}
                )
            rows = rows.filter(status=state)
        if attribute := params.get("attribute"):
            rows = rows.filter(attribute__key=attribute)
        if case := params.get("case"):
            rows = rows.filter(case__number=case)
        return rows

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            s.DisagreementSerializer(_disagreement_rows(list(page)), many=True).data
        )


class DisagreementActionMixin(AdjudicatorMixin):
    def disagreement(self) -> models.Disagreement:
        return get_object_or_404(self.disagreements(), pk=self.kwargs["pk"])

    def respond(self, disagreement) -> Response:
        fresh = self.disagreements().get(pk=disagreement.pk)
        return Response(s.DisagreementSerializer(_disagreement_rows([fresh])[0]).data)


DISAGREEMENT_ID = OpenApiParameter("pk", int, OpenApiParameter.PATH,
                                   description="The disagreement's id.")


@extend_schema_view(get=extend_schema(
    summary="One disagreement", tags=["adjudication"], parameters=[SLUG, DISAGREEMENT_ID],
    responses={200: s.DisagreementSerializer, **READ_ERRORS}))
class DisagreementDetail(DisagreementActionMixin, APIView):
    serializer_class = s.DisagreementSerializer

    def get(self, request, slug, pk):
        return self.respond(self.disagreement())


@extend_schema(
    summary="Resolve a disagreement", tags=["adjudication"], parameters=[SLUG, DISAGREEMENT_ID],
    request=s.ResolveInputSerializer,
    responses={200: s.DisagreementSerializer, **ERRORS, **CONFLICT},
    examples=[OpenApiExample("Coder A's value", request_only=True, value={
        "choice": "a", "rationale": "A's quote states the level.", "version": 0,
    })],
    description="Adjudicators who did not code the case. Choose coder A's value, coder B's "
    "or another value, with a rationale; the raw codings are untouched and the consensus "
    "value's history keeps every decision. A decided disagreement may be decided again.",
)
class DisagreementResolve(DisagreementActionMixin, APIView):
    permission_classes = [IsReviewAdjudicator]
    serializer_class = s.DisagreementSerializer

    def post(self, request, slug, pk):
        disagreement = self.disagreement()
        payload = s.ResolveInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with service_errors():
            disagreement_resolve(
                disagreement=disagreement, user=request.user, choice=data["choice"],
                value=data.get("value"), rationale=data["rationale"],
                evidence=data.get("evidence", ""), expected_version=data["version"],
            )
        return self.respond(disagreement)


@extend_schema(
    summary="Reopen a decided disagreement", tags=["adjudication"],
    parameters=[SLUG, DISAGREEMENT_ID], request=s.ReopenInputSerializer,
    responses={200: s.DisagreementSerializer, **ERRORS, **CONFLICT},
)
class DisagreementReopen(DisagreementActionMixin, APIView):
    serializer_class = s.DisagreementSerializer

    def post(self, request, slug, pk):
        disagreement = self.disagreement()
        payload = s.ReopenInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            disagreement_reopen(disagreement=disagreement, user=request.user,
                                reason=payload.validated_data["reason"],
                                expected_version=payload.validated_data["version"])
        return self.respond(disagreement)


# --------------------------------------------------------------------------- reliability


@extend_schema(
    summary="Inter-coder reliability", tags=["reliability"], parameters=[SLUG],
    responses={200: s.ReliabilitySerializer, **READ_ERRORS},
    description="Review leads. The same figures as `manage.py reliability --format json` "
    "(`rows`) plus per coder pair (`pairs`), from submitted codings.",
)
class ReliabilityView(ReviewMixin, APIView):
    permission_classes = [IsReviewLead]
    serializer_class = s.ReliabilitySerializer

    def get(self, request, slug):
        # The report's rows as they are (the serializer documents them): "masi_alpha" only
        # on multiple-choice attribute rows, exactly as the command prints them.
        report = reliability_report(review=self.get_review())
        return Response({key: report[key] for key in ("rows", "pairs", "coders")})

