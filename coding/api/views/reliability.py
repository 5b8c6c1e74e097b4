"""API view of the reliability report, for leads."""


from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.api import serializers as s
from coding.api.permissions import (
    IsReviewLead,
)
from coding.api.views.common import READ_ERRORS, SLUG, ReviewMixin
from coding.reliability.selectors import reliability_report


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

