"""API views of the reliability report and coder drift, for leads."""


from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.fields import DateTimeField
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.api import serializers as s
from coding.api.permissions import page_permission
from coding.api.views.common import ERRORS, READ_ERRORS, SLUG, ReviewMixin, service_errors
from coding.reliability.drift import drift_params
from coding.reliability.selectors import reliability_snapshot_state, snapshot_drift


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
    permission_classes = [page_permission("reliability")]
    serializer_class = s.ReliabilitySerializer

    def get(self, request, slug):
        state = reliability_snapshot_state(review=self.get_review())
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


@extend_schema(
    summary="Coder drift", tags=["reliability"],
    parameters=[
        SLUG,
        OpenApiParameter("drift", str, enum=["week", "window"],
                         description="Group by ISO week submitted (default) or by windows of "
                         "`n` consecutive complete cases."),
        OpenApiParameter("n", int, description="Cases per window (1 to 1000; default 20)."),
    ],
    responses={
        200: s.DriftSerializer,
        202: OpenApiResponse(
            s.DriftSerializer,
            description="No drift yet: it is being computed (empty lists, status computing); "
            "ask again after Retry-After seconds.",
        ),
        400: ERRORS[400], **READ_ERRORS,
    },
    description="Review leads. Agreement between the coders over time (`blocks`: all coders "
    "with each other per period) and each coder's agreement with the other coders on the "
    "same cases (`rows`), as pairs compared and agreeing, percent agreement and Krippendorff's "
    "alpha with a 95% interval where the data allow (weeks and windows of 20 only); `overall` "
    "over all cases; `trend` an early/late permutation test. Every case all of whose assigned "
    "coders submitted counts, whatever its disagreements; never the consensus. Computed by "
    "the background worker with the reliability figures "
    "(the page's Coder drift): `status` and `computed_at` as there.",
)
class DriftView(ReviewMixin, APIView):
    permission_classes = [page_permission("reliability")]
    serializer_class = s.DriftSerializer

    def get(self, request, slug):
        with service_errors():
            params = drift_params(request.query_params.get("drift"),
                                  request.query_params.get("n"))
        state = reliability_snapshot_state(review=self.get_review(), report=False)
        drift = snapshot_drift(snapshot=state.latest, params=params)
        latest = state.latest if drift is not None else None
        meta = {
            "status": state.status,
            "computed_at": DateTimeField().to_representation(latest.finished_at)
            if latest else None,
        }
        if drift is None:
            return Response(
                {"by": params.by, "n": params.n if params.by == "window" else None,
                 "coders": [], "periods": [], "blocks": [], "rows": [], "overall": None,
                 "trend": None, **meta},
                status=202, headers={"Retry-After": "5"},
            )
        return Response({**drift, **meta})


@extend_schema(
    summary="Replication package", tags=["reliability"], parameters=[SLUG],
    responses={
        (200, "application/zip"): OpenApiResponse(
            description="A zip holding a Frictionless Data Package (datapackage.json): "
            "codebook, cases, codings in long form, coding status, consensus, decisions with "
            "rationales, the reliability figures of the latest snapshot, and reproduce.py / "
            "reproduce.R, which recompute every alpha from the files."),
        202: OpenApiResponse(
            inline_serializer("PackageComputing", {
                "status": serializers.CharField(), "detail": serializers.CharField()}),
            description="The figures of the current codings are not computed yet (status "
            "computing): ask again after Retry-After seconds."),
        **READ_ERRORS,
    },
    description="Review leads (the reliability page's permission): the package names coders "
    "and carries the rationales of decisions. The same file as the reliability page's link and "
    "`manage.py export_package`.",
)
class PackageView(ReviewMixin, APIView):
    permission_classes = [page_permission("reliability")]

    def get(self, request, slug):
        from coding.reliability.package import package_response

        review = self.get_review()
        if reliability_snapshot_state(review=review, report=False).status != "up_to_date":
            # As the reliability figures' own read: not yet, ask again (the files are the
            # current codings: figures of older ones would not reproduce).
            return Response({"status": "computing", "detail": _(
                "The reliability figures are being computed; try again in a moment.")},
                status=202, headers={"Retry-After": "5"})
        return package_response(review, request.user)
