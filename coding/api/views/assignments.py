"""API views of assignments, for leads."""


from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.response import Response

from coding import models
from coding.api import serializers as s
from coding.api.permissions import page_permission
from coding.api.views.common import ERRORS, READ_ERRORS, SLUG, Refused, ReviewMixin, service_errors
from coding.assignments.services import cases_assign


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
    permission_classes = [page_permission("progress")]

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
            raise Refused({"detail": gettext("No such user: %(users)s.") % {
                "users": ", ".join(unknown)}})
        cases = None
        if "cases" in payload.validated_data:
            numbers = payload.validated_data["cases"]
            cases = list(models.Case.objects.filter(review=review, number__in=numbers))
            missing = sorted(set(numbers) - {c.number for c in cases})
            if missing:
                raise Refused({"detail": gettext("No such case in this review: %(cases)s.") % {
                    "cases": ", ".join(missing)}})
        with service_errors():
            created = cases_assign(
                review=review, coders=[users[name] for name in names], assigned_by=request.user,
                per_case=payload.validated_data["per_case"], cases=cases,
            )
        return Response(s.AssignmentSerializer(created, many=True).data,
                        status=status.HTTP_201_CREATED)


