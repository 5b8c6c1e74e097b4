"""API views of calibration rounds: the list and creating one (leads), a round with its
results once complete, a round coder's coding of a round case, and promoting a round."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from coding import models
from coding.api import serializers as s
from coding.api.permissions import IsReviewMember, policy_permission
from coding.api.views.common import (
    CONFLICT,
    ERRORS,
    NUMBER,
    READ_ERRORS,
    SLUG,
    Refused,
    ReviewMixin,
    service_errors,
)
from coding.rounds.policies import (
    get_round_for,
    is_round_coder,
    may_manage_rounds,
    may_see_round_progress,
    may_see_round_results,
    round_short_of_coders,
)
from coding.rounds.selectors import (
    coder_round_cases,
    review_rounds,
    round_default_coders,
    round_differences,
    round_progress,
    round_report,
)
from coding.rounds.services import (
    round_coding_start_and_save_draft,
    round_coding_submit,
    round_create,
    round_promote,
)

ROUND = OpenApiParameter("round", int, OpenApiParameter.PATH, description="The round's number.")


def _round_data(round_) -> dict:
    return {
        "number": round_.number, "title": round_.title, "status": round_.status,
        "codebook": round_.codebook, "created_at": round_.created_at,
        "completed_at": round_.completed_at, "promoted_at": round_.promoted_at,
        # .all(): the list prefetches them (Case's default order is the case order).
        "cases": [c.number for c in round_.cases.all()],
        "coders": sorted(u.username for u in round_.coders.all()),
        "url": reverse("coding:round_detail", args=[round_.review.slug, round_.number]),
    }


MayManageRounds = policy_permission(
    may_manage_rounds, "Only the review's leads manage calibration rounds.", "MayManageRounds")


class RoundMixin(ReviewMixin):
    permission_classes = [IsReviewMember]

    def get_round(self) -> models.Round:
        return get_round_for(self.request.user, self.get_review(), self.kwargs["round"])


@extend_schema_view(
    get=extend_schema(summary="Calibration rounds", tags=["rounds"], parameters=[SLUG],
                      responses={200: s.RoundSerializer(many=True), **READ_ERRORS},
                      description="Leads see every round; coders the rounds they code in."),
    post=extend_schema(
        summary="Create a calibration round", tags=["rounds"], parameters=[SLUG],
        request=s.RoundInputSerializer, responses={201: s.RoundSerializer, **ERRORS},
        description="Leads. Every coder of the round codes every case of it, under the "
        "current codebook version."),
)
class RoundList(RoundMixin, APIView):
    serializer_class = s.RoundSerializer
    pagination_class = None

    def get(self, request, slug):
        rounds = review_rounds(review=self.get_review(), user=request.user)
        return Response(s.RoundSerializer([_round_data(r) for r in rounds], many=True).data)

    def get_permissions(self):
        return [MayManageRounds()] if self.request.method == "POST" else super().get_permissions()

    def post(self, request, slug):
        review = self.get_review()
        payload = s.RoundInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        numbers = list(dict.fromkeys(payload.validated_data["cases"]))
        cases = list(models.Case.objects.filter(review=review, number__in=numbers))
        unknown = sorted(set(numbers) - {c.number for c in cases})
        if unknown:
            raise Refused({"detail": gettext("No such case in this review: %(cases)s.") % {
                "cases": ", ".join(unknown[:10])}})
        users = get_user_model().objects
        if "coders" in payload.validated_data:
            names = list(dict.fromkeys(payload.validated_data["coders"]))
            coders = list(users.filter(username__in=names))
            missing = sorted(set(names) - {c.username for c in coders})
            if missing:
                raise Refused({"detail": gettext("No such user: %(users)s.") % {
                    "users": ", ".join(missing[:10])}})
        else:
            coders = round_default_coders(review=review)
        with service_errors():
            round_ = round_create(review=review, title=payload.validated_data["title"],
                                  cases=cases, coders=coders, user=request.user)
        return Response(s.RoundSerializer(_round_data(round_)).data, status=201)


@extend_schema(
    summary="A calibration round", tags=["rounds"], parameters=[SLUG, ROUND],
    responses={200: s.RoundDetailSerializer, **READ_ERRORS},
    description="The round's leads and coders. Your own cases' states if you code in it; "
    "per-coder progress for leads who do not; once complete, its reliability (every "
    "coefficient of the reliability report, every coder of the round; attributes with the "
    "lowest agreement first) and the cases where coders differed.",
)
class RoundDetail(RoundMixin, APIView):
    serializer_class = s.RoundDetailSerializer

    def get(self, request, slug, round):
        round_ = self.get_round()
        user = request.user
        data = _round_data(round_)
        data["short_of_coders"] = round_short_of_coders(round_)
        data["own_cases"] = [
            {"case": row["case"].number, "status": row["state"]}
            for row in coder_round_cases(round_=round_, user=user)
        ] if is_round_coder(user, round_) else None
        data["progress"] = [
            {"coder": row["coder"].username, "submitted": row["submitted"],
             "draft": row["draft"], "total": row["total"]}
            for row in round_progress(round_=round_)
        ] if may_see_round_progress(user, round_) else None
        data["results"] = None
        if may_see_round_results(user, round_):
            report = round_report(round_=round_, user=user)
            order = [a["key"] for a in report["attributes"]]
            differences = round_differences(round_=round_, user=user, order=order)
            data["results"] = {
                "coders": report["coders"], "attributes": report["attributes"],
                "hidden_cases": report["hidden"],
                "pairs": report["pairs"],
                "differences": [
                    {"key": d["key"], "label": d["label"], "cases": [
                        {"case": row["case"].number, "codings": [
                            {**c, "coder": c["coder"].username} for c in row["codings"]]}
                        for row in d["cases"]]}
                    for d in differences],
            }
        return Response(s.RoundDetailSerializer(data).data)


@extend_schema(
    summary="Use a complete round's codings for the review", tags=["rounds"],
    parameters=[SLUG, ROUND], request=s.RoundPromoteInputSerializer,
    responses={200: s.RoundPromoteSerializer, **ERRORS},
    description="Leads, once per complete round. Each case gets the round codings of its two "
    "assigned coders (cases nobody is assigned to: of the two `coders` given, who are then "
    "assigned) as submitted codings; they are compared as usual.",
)
class RoundPromote(RoundMixin, APIView):
    permission_classes = [MayManageRounds]
    serializer_class = s.RoundPromoteSerializer

    def post(self, request, slug, round):
        round_ = self.get_round()
        payload = s.RoundPromoteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        names = payload.validated_data.get("coders", [])
        coders = list(round_.coders.filter(username__in=names))
        if len(coders) != len(set(names)):
            raise Refused({"detail": gettext("Pick coders of this round.")})
        with service_errors():
            result = round_promote(round_=round_, user=request.user, coders=coders)
        return Response(s.RoundPromoteSerializer(result).data)


class RoundCoderMixin(RoundMixin):
    def round_case(self):
        """The round and one of its cases, for a coder of the round; 404 otherwise."""
        round_ = self.get_round()
        if not is_round_coder(self.request.user, round_):
            raise exceptions.NotFound()
        case = get_object_or_404(round_.cases.all(), number=self.kwargs["number"])
        return round_, case

    def own(self, round_, case):
        return (models.RoundCoding.objects.filter(round=round_, case=case,
                                                  coder=self.request.user)
                .select_related("codebook").first())

    def coding_response(self, round_, case, coding) -> Response:
        if coding is None:
            data = {"case": case.number, "status": "not_started", "version": 0,
                    "codebook_version": round_.codebook.version, "updated_at": None,
                    "submitted_at": None, "values": []}
        else:
            values = (models.RoundValue.objects.filter(coding=coding)
                      .select_related("attribute").prefetch_related("options"))
            data = {"case": case.number, "status": coding.status, "version": coding.version,
                    "codebook_version": round_.codebook.version,
                    "updated_at": coding.updated_at, "submitted_at": coding.submitted_at,
                    "values": values}
        return Response(s.CodingSerializer(data).data)


@extend_schema_view(
    get=extend_schema(summary="Your coding of a round case", tags=["rounds"],
                      parameters=[SLUG, ROUND, NUMBER],
                      responses={200: s.CodingSerializer, **READ_ERRORS}),
    put=extend_schema(
        summary="Save a draft of your round coding", tags=["rounds"],
        parameters=[SLUG, ROUND, NUMBER], request=s.CodingDraftSerializer,
        responses={200: s.CodingSerializer, **ERRORS, **CONFLICT},
        description="As codings/<number>/: the same values, validation and version check."),
)
class RoundCodingDetail(RoundCoderMixin, APIView):
    serializer_class = s.CodingSerializer

    def get(self, request, slug, round, number):
        round_, case = self.round_case()
        return self.coding_response(round_, case, self.own(round_, case))

    def put(self, request, slug, round, number):
        round_, case = self.round_case()
        payload = s.CodingDraftSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values: dict[str, dict] = {}
        for item in payload.validated_data["values"]:
            if item["attribute"] in values:
                raise exceptions.ValidationError(
                    {"values": [gettext("Attribute %(attribute)s is given twice.") % {
                        "attribute": repr(item["attribute"])}]})
            values[item["attribute"]] = item
        with service_errors():
            round_coding_start_and_save_draft(
                round_=round_, case=case, user=request.user, values=values,
                expected_version=payload.validated_data.get("version") or 0,
            )
        return self.coding_response(round_, case, self.own(round_, case))


@extend_schema(
    summary="Submit your round coding", tags=["rounds"], parameters=[SLUG, ROUND, NUMBER],
    request=s.VersionSerializer, responses={200: s.CodingSerializer, **ERRORS, **CONFLICT},
    description="Checks the required attributes (400 names them in `missing`), then makes "
    "the round coding read-only. The round is complete once every coder submitted every case.",
)
class RoundCodingSubmit(RoundCoderMixin, APIView):
    serializer_class = s.CodingSerializer

    def post(self, request, slug, round, number):
        round_, case = self.round_case()
        payload = s.VersionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        coding = self.own(round_, case)
        if coding is None:
            raise Refused({"detail": gettext(
                "Nothing to submit: save a draft of this coding first.")})
        with service_errors():
            round_coding_submit(coding=coding, user=request.user,
                                expected_version=payload.validated_data["version"])
        return self.coding_response(round_, case, self.own(round_, case))
