"""API views of a coder's own work: the queue, drafts and submitting."""


from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics
from rest_framework.response import Response
from rest_framework.views import APIView

from coding import models
from coding.api import serializers as s
from coding.api.permissions import page_permission
from coding.api.views.common import (
    CONFLICT,
    ERRORS,
    NUMBER,
    READ_ERRORS,
    SLUG,
    Refused,
    ReviewMixin,
    _values,
    service_errors,
)
from coding.codings.policies import cases_to_code
from coding.codings.selectors import QueueState, coder_queue
from coding.codings.services import coding_start_and_save_draft, coding_submit


class CoderMixin(ReviewMixin):
    permission_classes = [page_permission("queue")]

    def assigned_case(self) -> models.Case:
        """A case of the review assigned to the caller; 404 otherwise (no hint whether it
        exists or who codes it)."""
        cases = cases_to_code(self.request.user, models.Case.objects.filter(
            review=self.get_review()))
        return get_object_or_404(cases.select_related("review"), number=self.kwargs["number"])

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
                {"state": [gettext("Choose one of %(values)s.") % {
                    "values": ", ".join(QueueState.values)}]}
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
                    {"values": [gettext("Attribute %(attribute)s is given twice.") % {
                        "attribute": repr(item["attribute"])}]}
                )
            values[item["attribute"]] = item
        with service_errors():
            coding_start_and_save_draft(
                case=case, user=request.user, values=values,
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
            raise Refused({"detail": gettext(
                "Nothing to submit: save a draft of this coding first.")})
        with service_errors():
            coding_submit(coding=coding, user=request.user,
                                   expected_version=payload.validated_data["version"])
        return self.coding_response(case, self.own_coding(case))


