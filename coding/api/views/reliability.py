"""API view of the reliability report, for leads."""


from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.fields import DateTimeField
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.api import serializers as s
from coding.api.permissions import (
    IsReviewLead,
)
from coding.api.views.common import READ_ERRORS, SLUG, ReviewMixin
from coding.reliability.selectors import reliability_snapshot_state
from coding.reliability.services import reliability_snapshot_request


@extend_schema(
    summary="Inter-coder reliability", tags=["reliability"], parameters=[SLUG],
    responses={
        200: s.ReliabilitySerializer,
        202: OpenApiResponse(
            s.ReliabilitySerializer,
            description="No figures yet: the first are being computed (empty lists, "
            "status computing); ask again after Retry-After seconds.",
        ),
        **READ_ERRORS,
    },
    description="Review leads. The same figures as `manage.py reliability --format json` "
    "(`rows`) plus per coder pair (`pairs`), from submitted codings, as last computed by a "
    "background worker: `computed_at`, `duration_seconds`, and `status` say when, how long, "
    "and whether newer figures are being computed.",
)
class ReliabilityView(ReviewMixin, APIView):
    permission_classes = [IsReviewLead]
    serializer_class = s.ReliabilitySerializer

    def get(self, request, slug):
        state = reliability_snapshot_state(
            current=reliability_snapshot_request(review=self.get_review())
        )
        latest = state.latest
        meta = {
            "status": state.status,
            # As every other time in the API (DRF's ISO 8601, "Z" for UTC).
            "computed_at": DateTimeField().to_representation(latest.finished_at)
            if latest else None,
            "duration_seconds": latest.duration if latest else None,
        }
        if state.latest is None:
            return Response({"rows": [], "pairs": [], "coders": [], **meta}, status=202,
                            headers={"Retry-After": "5"})
        # The report's rows as they are (the serializer documents them): "masi_alpha" only
        # on multiple-choice attribute rows, exactly as the command prints them.
        report = latest.report
        return Response({**{key: report[key] for key in ("rows", "pairs", "coders")}, **meta})
