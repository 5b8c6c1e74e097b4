"""API views of eligibility screening, thin adapters over coding.screening: settings, the
screener's queue and decisions, the decisions a client may see, assignment (leads),
conflicts and agreement per stage. The blind rule is coding.screening.policies'."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.api.permissions import IsReviewMember, page_permission, policy_permission
from coding.api.views.common import (
    CONFLICT,
    ERRORS,
    READ_ERRORS,
    SLUG,
    Pagination,
    Refused,
    ReviewMixin,
    service_errors,
)
from coding.models import Record, ScreeningConflict, ScreeningDecision, ScreeningStage
from coding.screening.policies import (
    conflicts_visible_to,
    decisions_visible_to,
    may_view_conflicts,
    review_stages,
)
from coding.screening.selectors import (
    conflict_list,
    exclusion_reasons,
    screener_progress,
    screener_records,
    screening_agreement,
    screening_settings,
)
from coding.screening.services import (
    screening_assign,
    screening_conflict_decide,
    screening_conflict_escalate,
    screening_conflict_propose,
    screening_decide,
    screening_settings_save,
    screening_withdraw,
    settings_version,
)

STAGE = OpenApiParameter("stage", str, enum=ScreeningStage.values,
                         description="The screening stage (default: the review's first).")
RECORD = OpenApiParameter("record", int, OpenApiParameter.PATH, description="The record's id.")
CONFLICT_ID = OpenApiParameter("conflict", int, OpenApiParameter.PATH,
                               description="The conflict's id.")
TAGS = ["screening"]

MayViewConflicts = policy_permission(
    may_view_conflicts, gettext_lazy("Your roles in this review do not allow this."),
    "MayViewConflicts")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class StageMixin(ReviewMixin):
    def stage(self, data=None) -> str:
        value = (data or {}).get("stage") or self.request.query_params.get("stage")
        stages = review_stages(self.get_review())
        if value is None or value == "":
            return stages[0]
        if value not in stages:
            raise Refused({"detail": _("This review does not screen at that stage.")})
        return value


def _decision_data(d: ScreeningDecision) -> dict:
    return {"id": d.pk, "record": d.record_id, "stage": d.stage,
            "screener": d.screener.username, "decision": d.decision,
            "reason": d.reason.key if d.reason_id else "", "version": d.version,
            "decided_at": d.decided_at}


def _settings_data(review) -> dict:
    settings = screening_settings(review)
    return {"stages": settings.stages, "criteria": settings.criteria,
            "reasons": [{"key": r.key, "label": r.label} for r in exclusion_reasons(review)],
            "resolution_mode": review.resolution_mode, "version": settings_version(review)}


@extend_schema(tags=TAGS, parameters=[SLUG])
class ScreeningSettingsView(ReviewMixin, APIView):
    """The review's screening settings: members read them; leads change them (PUT, with the
    `version` read, or If-Match)."""

    pagination_class = None

    def get_permissions(self):
        if self.request.method == "PUT":
            return [page_permission("screening_manage")()]
        return [IsReviewMember()]

    @extend_schema(summary="Screening settings", responses={200: OpenApiTypes.OBJECT,
                                                            **READ_ERRORS})
    def get(self, request, slug):
        return Response(_settings_data(self.get_review()))

    @extend_schema(summary="Change the screening settings", request=OpenApiTypes.OBJECT,
                   responses={200: OpenApiTypes.OBJECT, **ERRORS, **CONFLICT})
    def put(self, request, slug):
        review = self.get_review()
        data = request.data if isinstance(request.data, dict) else {}
        current = _settings_data(review)
        reasons = data.get("reasons", [r["label"] for r in current["reasons"]])
        if not isinstance(reasons, list) or not all(
                isinstance(r, str | dict) for r in reasons):
            raise Refused({"detail": _("reasons: a list of labels.")})
        labels = [r.get("label", "") if isinstance(r, dict) else r for r in reasons]
        version = data.get("version") or request.headers.get("If-Match", "").strip('"') or None
        with service_errors():
            screening_settings_save(
                review=review, user=request.user,
                stages=str(data.get("stages", current["stages"])),
                criteria=str(data.get("criteria", current["criteria"])),
                reasons=[str(label) for label in labels], version=version)
        return Response(_settings_data(review))


@extend_schema(tags=TAGS, parameters=[SLUG, STAGE], summary="Your screening queue",
               responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
               description="The records assigned to you at a stage, in record order, with "
               "your own decisions (never the other screener's), and your own progress. "
               "Page with `after` (a record id) and `limit` (at most 200).")
class ScreeningQueue(StageMixin, APIView):
    permission_classes = [page_permission("screening")]

    def get(self, request, slug):
        review, stage = self.get_review(), self.stage()
        rows = screener_records(user=request.user, review=review, stage=stage,
                                after=_int(request.query_params.get("after")),
                                limit=_int(request.query_params.get("limit")) or 50)
        return Response({"stage": stage, "records": rows, "progress": screener_progress(
            user=request.user, review=review, stage=stage)})


@extend_schema(tags=TAGS, parameters=[SLUG, RECORD])
class ScreeningDecisionView(StageMixin, APIView):
    """Your decision on one record at a stage: POST to decide or change it (send the
    `version` you read to change it), DELETE (?stage=) to withdraw it while not settled."""

    permission_classes = [page_permission("screening")]

    def record(self, pk) -> Record:
        return get_object_or_404(Record.objects.select_related("review"),
                                 review=self.get_review(), pk=pk)

    @extend_schema(summary="Decide on a record", request=OpenApiTypes.OBJECT,
                   responses={200: OpenApiTypes.OBJECT, **ERRORS, **CONFLICT})
    def post(self, request, slug, record):
        data = request.data if isinstance(request.data, dict) else {}
        record, stage = self.record(record), self.stage(data)
        with service_errors():
            decision = screening_decide(
                record=record, stage=stage, user=request.user,
                decision=str(data.get("decision", "")), reason=data.get("reason") or None,
                note=str(data.get("note", "")), version=_int(data.get("version")))
        decision.screener = request.user
        return Response(_decision_data(decision))

    @extend_schema(summary="Withdraw your decision", parameters=[STAGE],
                   responses={204: None, **ERRORS})
    def delete(self, request, slug, record):
        record, stage = self.record(record), self.stage()
        with service_errors():
            if not screening_withdraw(record=record, stage=stage, user=request.user):
                raise exceptions.NotFound(_("You have no decision on this record here."))
        return Response(status=204)


@extend_schema(tags=TAGS, parameters=[SLUG, STAGE], summary="Screening decisions",
               responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
               description="The decisions you may see: your own; others' only once both "
               "screeners of the record decided at that stage (leads and adjudicators, and "
               "the record's screeners).")
class ScreeningDecisionList(StageMixin, APIView):
    permission_classes = [IsReviewMember]

    def get(self, request, slug):
        review = self.get_review()
        rows = decisions_visible_to(request.user, ScreeningDecision.objects.filter(
            record__review=review)).select_related("screener", "reason").order_by("pk")
        if request.query_params.get("stage"):
            rows = rows.filter(stage=self.stage())
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([_decision_data(d) for d in page])


@extend_schema(tags=TAGS, parameters=[SLUG], summary="Assign screeners",
               request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, **ERRORS},
               description="Leads. `{\"stage\": ..., \"screeners\": [usernames]}`: every "
               "record still short of screeners at the stage gets two of them (balanced).")
class ScreeningAssignments(StageMixin, APIView):
    permission_classes = [page_permission("screening_manage")]

    def post(self, request, slug):
        data = request.data if isinstance(request.data, dict) else {}
        review, stage = self.get_review(), self.stage(data)
        names = data.get("screeners")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise Refused({"detail": _("screeners: a list of usernames.")})
        people = list(get_user_model().objects.filter(username__in=names))
        missing = sorted(set(names) - {u.username for u in people})
        if missing:
            raise Refused({"detail": _("No such user: %(names)s.")
                           % {"names": ", ".join(missing[:10])}})
        with service_errors():
            made = screening_assign(review=review, user=request.user, stage=stage,
                                    screeners=people)
        return Response({"stage": stage, "assignments": made})


def _conflict_data(c: ScreeningConflict) -> dict:
    return {"id": c.pk, "record": c.record_id, "stage": c.stage, "status": c.status,
            "escalated_at": c.escalated_at,
            "decisions": [_decision_data(c.decision_a), _decision_data(c.decision_b)]}


@extend_schema(tags=TAGS, parameters=[SLUG], summary="Screening conflicts",
               responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
               description="Leads and adjudicators; the two screeners in discussion mode. "
               "`?status=open` (default) or `resolved`.")
class ScreeningConflictList(ReviewMixin, APIView):
    permission_classes = [MayViewConflicts]

    def get(self, request, slug):
        status = request.query_params.get("status", "open")
        if status not in ("open", "resolved"):
            raise Refused({"detail": _("status: open or resolved.")})
        rows = conflict_list(user=request.user, review=self.get_review(), status=status)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([_conflict_data(c) for c in page])


class ConflictActionMixin(ReviewMixin):
    permission_classes = [MayViewConflicts]

    def conflict(self, pk) -> ScreeningConflict:
        return get_object_or_404(conflicts_visible_to(
            self.request.user, self.get_review(), ScreeningConflict.objects.all()
        ).select_related("record__review", "decision_a__screener", "decision_b__screener"),
            pk=pk)

    def payload(self) -> dict:
        data = self.request.data if isinstance(self.request.data, dict) else {}
        return {"decision": str(data.get("decision", "")),
                "reason": data.get("reason") or None,
                "rationale": str(data.get("rationale", ""))}


@extend_schema(tags=TAGS, parameters=[SLUG, CONFLICT_ID], summary="Settle a conflict",
               request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, **ERRORS},
               description="An adjudicator who did not screen the record: `decision` "
               "(include or exclude), `reason` at full text, `rationale`.")
class ScreeningConflictResolve(ConflictActionMixin, APIView):
    def post(self, request, slug, conflict):
        conflict = self.conflict(conflict)
        with service_errors():
            outcome = screening_conflict_decide(conflict=conflict, user=request.user,
                                                **self.payload())
        return Response({"record": outcome.record_id, "stage": outcome.stage,
                         "decision": outcome.decision, "method": outcome.method})


@extend_schema(tags=TAGS, parameters=[SLUG, CONFLICT_ID], summary="Propose how to settle",
               request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, **ERRORS},
               description="Discussion mode, the two screeners: equal proposals settle it.")
class ScreeningConflictPropose(ConflictActionMixin, APIView):
    def post(self, request, slug, conflict):
        conflict = self.conflict(conflict)
        with service_errors():
            outcome = screening_conflict_propose(conflict=conflict, user=request.user,
                                                 **self.payload())
        return Response({"settled": outcome is not None,
                         "decision": outcome.decision if outcome else None})


@extend_schema(tags=TAGS, parameters=[SLUG, CONFLICT_ID], summary="Escalate a conflict",
               request=None, responses={200: OpenApiTypes.OBJECT, **ERRORS})
class ScreeningConflictEscalate(ConflictActionMixin, APIView):
    def post(self, request, slug, conflict):
        conflict = self.conflict(conflict)
        with service_errors():
            conflict = screening_conflict_escalate(conflict=conflict, user=request.user)
        return Response({"id": conflict.pk, "escalated_at": conflict.escalated_at})


@extend_schema(tags=TAGS, parameters=[SLUG], summary="Screening agreement per stage",
               responses={200: OpenApiTypes.OBJECT, **READ_ERRORS},
               description="Leads (as the reliability page): percent agreement, Cohen's "
               "kappa and Gwet's AC1 with 95% intervals, on the records both screeners "
               "decided.")
class ScreeningAgreement(ReviewMixin, APIView):
    permission_classes = [page_permission("reliability")]

    def get(self, request, slug):
        return Response(screening_agreement(review=self.get_review(), viewer=request.user))
