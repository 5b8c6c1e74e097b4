"""API views of disagreements: listing, resolving and reopening."""


from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy
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
from coding.adjudication.policies import (
    NOT_ADJUDICATOR_MESSAGE,
    disagreements_visible_to,
    may_decide_in,
)
from coding.adjudication.selectors import (
    QUEUE_STATUSES,
    disagreement_rows,
    disagreements_for_queue,
)
from coding.adjudication.services import disagreement_reopen, disagreement_resolve
from coding.api import serializers as s
from coding.api.permissions import page_permission, policy_permission
from coding.api.views.common import CONFLICT, ERRORS, READ_ERRORS, SLUG, ReviewMixin, service_errors


class AdjudicatorMixin(ReviewMixin):
    permission_classes = [page_permission("adjudication")]

    def disagreements(self):
        """The disagreements the caller may see (coding.adjudication.policies)."""
        visible = disagreements_visible_to(
            self.request.user, self.get_review(), models.Disagreement.objects.all()
        )
        return (
            visible.select_related("case__review", "attribute", "coding_a__coder",
                                   "coding_b__coder", "escalated_by")
            .order_by("case__sort_key", "case__number", "attribute__section__order",
                      "attribute__order", "id")
        )


@extend_schema_view(
    get=extend_schema(
        summary="Disagreements to adjudicate", tags=["adjudication"], parameters=[
            SLUG,
            OpenApiParameter("status", str, enum=list(QUEUE_STATUSES), description="open: "
                             "waiting for an adjudicator (in discussion mode, escalated); "
                             "discussing: the coders still discuss it; resolved: decided."),
            OpenApiParameter("attribute", str, description="Only this attribute (its key)."),
            OpenApiParameter("case", str, description="Only this case (its number)."),
        ],
        responses={200: s.DisagreementSerializer(many=True), **READ_ERRORS},
        description="Adjudicators and leads. Disagreements exist only once both assigned "
        "coders have submitted (a reopened coding puts them on hold); on cases you coded "
        "`may_decide` is false.",
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
            if state not in QUEUE_STATUSES:
                raise exceptions.ValidationError(
                    {"status": [gettext("Choose one of %(values)s.") % {
                        "values": ", ".join(QUEUE_STATUSES)}]}
                )
            rows = disagreements_for_queue(rows, state)
        if attribute := params.get("attribute"):
            rows = rows.filter(attribute__key=attribute)
        if case := params.get("case"):
            rows = rows.filter(case__number=case)
        return rows

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = disagreement_rows(list(page), user=request.user)
        return self.get_paginated_response(s.DisagreementSerializer(rows, many=True).data)


class DisagreementActionMixin(AdjudicatorMixin):
    def disagreement(self) -> models.Disagreement:
        return get_object_or_404(self.disagreements(), pk=self.kwargs["pk"])

    def respond(self, disagreement) -> Response:
        # Read again after the action; a reopening or resubmission on another server may have
        # removed it since: the same 404 as an id that never existed, never a 500.
        fresh = get_object_or_404(self.disagreements(), pk=disagreement.pk)
        row = disagreement_rows([fresh], user=self.request.user)[0]
        return Response(s.DisagreementSerializer(row).data)


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
    permission_classes = [policy_permission(may_decide_in,
                                            gettext_lazy(NOT_ADJUDICATOR_MESSAGE))]
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


