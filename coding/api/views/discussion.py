"""API views of discussion mode: the coders' disagreements to discuss, and every
disagreement's thread (comments, proposals, acceptance, escalation). The same policies and
services as the pages (coding.adjudication.policies, coding.adjudication.services)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from coding import models
from coding.adjudication.policies import disagreements_to_discuss, threads_visible_to
from coding.adjudication.selectors import disagreement_rows, discussion_threads
from coding.adjudication.services import (
    disagreement_accept,
    disagreement_comment,
    disagreement_escalate,
    disagreement_propose,
)
from coding.api import serializers as s
from coding.api.permissions import IsReviewMember
from coding.api.views.common import ERRORS, READ_ERRORS, SLUG, ReviewMixin, service_errors

DISAGREEMENT_ID = OpenApiParameter("pk", int, OpenApiParameter.PATH,
                                   description="The disagreement's id.")
ORDER = ("case__sort_key", "case__number", "attribute__section__order", "attribute__order", "id")
RELATED = ("case__review", "attribute", "coding_a__coder", "coding_b__coder", "escalated_by")


def _thread_json(thread: dict) -> dict:
    return {
        "comments": [
            {"id": c["id"], "author": c["author_username"], "body": c["body"],
             "proposal": c["proposal"], "is_proposal": c["proposal"] is not None,
             "accepted_by": c["accepted_by"], "created_at": c["created_at"]}
            for c in thread["comments"]
        ],
        "accepted": thread["accepted"],
        "escalated_at": thread["escalated_at"],
        "escalated_by": thread["escalated_by"],
    }


def _rows(disagreements: list, user) -> list[dict]:
    """disagreement_rows (both sides, consensus) with each one's thread."""
    rows = disagreement_rows(disagreements, user=user)
    threads = discussion_threads(disagreements, viewer=user)
    return [{**row, "thread": _thread_json(threads[row["id"]])} for row in rows]


@extend_schema_view(get=extend_schema(
    summary="Disagreements you discuss", tags=["discussion"], parameters=[
        SLUG, OpenApiParameter("case", str, description="Only this case (its number).")],
    responses={200: s.DiscussionSerializer(many=True), **READ_ERRORS},
    description="In a review set to discussion first: the disagreements between your "
    "submitted coding and the other coder's, each with both values and its thread. Empty "
    "until both of you have submitted, and in reviews an adjudicator settles.",
))
class DiscussionList(ReviewMixin, generics.ListAPIView):
    serializer_class = s.DiscussionSerializer
    permission_classes = [IsReviewMember]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return models.Disagreement.objects.none()
        rows = disagreements_to_discuss(
            self.request.user, self.get_review(), models.Disagreement.objects.all()
        ).select_related(*RELATED).order_by(*ORDER)
        if case := self.request.query_params.get("case"):
            rows = rows.filter(case__number=case)
        return rows

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            s.DiscussionSerializer(_rows(list(page), request.user), many=True).data
        )


class ThreadMixin(ReviewMixin):
    """A disagreement whose thread the caller may read (its two coders in discussion mode,
    adjudicators and leads); 404 for everyone else."""

    permission_classes = [IsReviewMember]
    serializer_class = s.DiscussionSerializer

    def disagreement(self) -> models.Disagreement:
        review = self.get_review()
        visible = threads_visible_to(self.request.user, review, models.Disagreement.objects.all())
        return get_object_or_404(visible.select_related(*RELATED), pk=self.kwargs["pk"])

    def respond(self, disagreement, status_code=200) -> Response:
        fresh = models.Disagreement.objects.select_related(*RELATED).get(pk=disagreement.pk)
        row = _rows([fresh], self.request.user)[0]
        return Response(s.DiscussionSerializer(row).data, status=status_code)


@extend_schema_view(
    get=extend_schema(summary="A disagreement's thread", tags=["discussion"],
                      parameters=[SLUG, DISAGREEMENT_ID],
                      responses={200: s.DiscussionSerializer, **READ_ERRORS}),
    post=extend_schema(
        summary="Comment on a disagreement", tags=["discussion"],
        parameters=[SLUG, DISAGREEMENT_ID], request=s.CommentInputSerializer,
        responses={201: s.DiscussionSerializer, **ERRORS},
        examples=[OpenApiExample("A comment", request_only=True,
                                 value={"body": "Page 2 names the council."})],
        description="The case's two coders (discussion mode), adjudicators and leads.",
    ),
)
class DisagreementComments(ThreadMixin, APIView):
    def get(self, request, slug, pk):
        return self.respond(self.disagreement())

    def post(self, request, slug, pk):
        disagreement = self.disagreement()
        payload = s.CommentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            disagreement_comment(disagreement=disagreement, user=request.user,
                                 body=payload.validated_data["body"])
        return self.respond(disagreement, 201)


@extend_schema(
    summary="Propose a value", tags=["discussion"], parameters=[SLUG, DISAGREEMENT_ID],
    request=s.ProposeInputSerializer, responses={200: s.DiscussionSerializer, **ERRORS},
    examples=[OpenApiExample("Propose", request_only=True,
                             value={"value": "local", "body": "Page 2."})],
    description="One of the case's two coders, while the disagreement is open and not "
    "escalated. You accept your own proposal; when the other coder accepts an equal value "
    "it becomes the consensus, method `discussion` (agreed after discussion).",
)
class DisagreementPropose(ThreadMixin, APIView):
    def post(self, request, slug, pk):
        disagreement = self.disagreement()
        payload = s.ProposeInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            disagreement_propose(disagreement=disagreement, user=request.user,
                                 value=payload.validated_data.get("value"),
                                 body=payload.validated_data.get("body", ""))
        return self.respond(disagreement)


@extend_schema(
    summary="Accept a proposal", tags=["discussion"], parameters=[SLUG, DISAGREEMENT_ID],
    request=s.AcceptInputSerializer, responses={200: s.DiscussionSerializer, **ERRORS},
    description="One of the case's two coders accepts a proposal of the thread (its comment "
    "id). When both accept equal values, that value becomes the consensus.",
)
class DisagreementAccept(ThreadMixin, APIView):
    def post(self, request, slug, pk):
        disagreement = self.disagreement()
        payload = s.AcceptInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            disagreement_accept(disagreement=disagreement, user=request.user,
                                proposal=payload.validated_data["proposal"])
        return self.respond(disagreement)


@extend_schema(
    summary="Escalate to an adjudicator", tags=["discussion"],
    parameters=[SLUG, DISAGREEMENT_ID], request=s.EscalateInputSerializer,
    responses={200: s.DiscussionSerializer, **ERRORS},
    description="One of the case's two coders hands the disagreement to an adjudicator, who "
    "decides it (disagreements/<id>/resolve/) reading the thread.",
)
class DisagreementEscalate(ThreadMixin, APIView):
    def post(self, request, slug, pk):
        disagreement = self.disagreement()
        payload = s.EscalateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            disagreement_escalate(disagreement=disagreement, user=request.user,
                                  body=payload.validated_data.get("body", ""))
        return self.respond(disagreement)
