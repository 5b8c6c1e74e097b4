"""Who may see, make and settle screening decisions: the blind rule of screening, who screens,
who assigns screeners and who settles conflicts.

The blind rule is coding's, asked through coding.codings.policies.blind_items: a person is
*blind on a record at a stage* while they are one of its screeners there (assigned, or holding
a decision) and not every assigned screener (at least two) has decided. Whatever other roles
they hold, a person blind on a record learns nothing of the other screener's decision on it:
not its value, not that it exists (pages, API, admin, audit log, counts, notifications, queue
order). Conflicts exist only once both have decided, so their pages reveal nothing blind.

Conflicts are settled as the review's resolution mode says (coding.adjudication.policies'
in_discussion_mode and may_decide_in): an adjudicator who is not one of the record's screeners
at that stage decides; in discussion mode the two screeners first propose a decision each
until they agree, and either may escalate to an adjudicator.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from coding.adjudication.policies import in_discussion_mode, may_decide_in
from coding.codings.policies import CODERS_PER_CASE, blind_items, items_with_complete_work
from coding.models import (
    DisagreementStatus,
    DuplicateStatus,
    Membership,
    Record,
    Review,
    Role,
    ScreeningAssignment,
    ScreeningConflict,
    ScreeningDecision,
    ScreeningOutcome,
    ScreeningSettings,
    ScreeningStage,
    ScreeningStages,
)
from coding.records.selectors import records_for_screening
from coding.reviews.policies import review_roles

# Each record is screened by two people at each stage, as each case is coded by two.
SCREENERS_PER_RECORD = CODERS_PER_CASE

NOT_SCREENER_MESSAGE = _("This record is not assigned to you at this stage.")
NOT_CODER_MESSAGE = _("Only members with the coder role screen records.")
SETTLED_MESSAGE = _("This record is settled at this stage already; nothing was changed.")
DUPLICATE_MESSAGE = _("This record is a removed duplicate: it is not screened.")
NOT_ADJUDICATOR_MESSAGE = _("Only an adjudicator of this review can settle screening conflicts.")
OWN_RECORD_MESSAGE = _(
    "You screened this record at this stage, so you cannot adjudicate its conflict.")
AWAITING_DISCUSSION_MESSAGE = _(
    "In this review the two screeners discuss a conflict first: an adjudicator decides it "
    "once one of them escalates it.")
DISCUSSION_ONLY_MESSAGE = _("Conflicts are discussed only in reviews set to discussion first.")
NOT_DISCUSSANT_MESSAGE = _("Only the two screeners of this record discuss its conflict.")
ESCALATED_MESSAGE = _(
    "This conflict has been escalated: an adjudicator decides it now.")
CONFLICT_SETTLED_MESSAGE = _("This conflict is settled already; nothing was changed.")
NOT_LEAD_MESSAGE = _("Only the review's leads manage screening.")


def _work(stage: str) -> dict:
    """Screening at `stage` in the terms of coding's blind rule (blind_items)."""
    return {
        "item": "record", "person": "screener",
        "assignments": ScreeningAssignment.objects.filter(stage=stage),
        "submissions": ScreeningDecision.objects.filter(stage=stage),
    }


def records_decided_by_both(records: QuerySet[Record], stage: str) -> QuerySet[Record]:
    """The records of `records` whose assigned screeners (at least two) have all decided at
    `stage`: coding's "complete" (items_with_complete_work)."""
    return items_with_complete_work(records, per_item=SCREENERS_PER_RECORD, **_work(stage))


def blind_records(user, stage: str) -> QuerySet[Record]:
    """The records `user` is blind on at `stage` (see the module docstring)."""
    return blind_items(user, Record.objects.all(), **_work(stage))


def is_blind_on_record(user, record: Record, stage: str) -> bool:
    return blind_records(user, stage).filter(pk=record.pk).exists()


def _blind_q(user, prefix: str = "") -> Q:
    """Rows (decisions, conflicts, outcomes: with `record` and `stage`) of records `user` is
    blind on at their stage."""
    q = Q(pk__in=[])
    for stage in ScreeningStage.values:
        q |= Q(**{f"{prefix}stage": stage,
                  f"{prefix}record__in": blind_records(user, stage).values("pk")})
    return q


def _staff_q(user, prefix: str = "") -> Q:
    """Rows of reviews `user` leads or adjudicates."""
    return Q(**{f"{prefix}record__review__in": Membership.objects.filter(
        user=user, role__in=[Role.LEAD, Role.ADJUDICATOR]).values("review")})


def decisions_visible_to(user, decisions: QuerySet[ScreeningDecision]
                         ) -> QuerySet[ScreeningDecision]:
    """The decisions of `decisions` whose value `user` may see: their own, always; someone
    else's only in reviews they lead or adjudicate or on records they screen at that stage,
    and never on a record they are blind on at that stage. Superusers count as leads."""
    if not user.is_authenticated:
        return decisions.none()
    others = decisions.exclude(screener=user).exclude(_blind_q(user))
    if not user.is_superuser:
        screens = Exists(ScreeningAssignment.objects.filter(
            record=OuterRef("record"), stage=OuterRef("stage"), screener=user))
        others = others.filter(_staff_q(user) | Q(screens))
    return decisions.filter(Q(screener=user) | Q(pk__in=others.values("pk")))


def decision_visible_to(user, decision: ScreeningDecision) -> bool:
    """The yes/no form of decisions_visible_to."""
    return decisions_visible_to(
        user, ScreeningDecision.objects.filter(pk=decision.pk)).exists()


# --- screening ------------------------------------------------------------------------


def review_stages(review: Review) -> list[str]:
    """The stages `review` screens in, in order."""
    return stages_of(ScreeningSettings.objects.filter(review=review)
                     .values_list("stages", flat=True).first())


def stages_of(choice: str | None) -> list[str]:
    """The stages of a ScreeningSettings.stages choice, in order (none chosen: both)."""
    if not choice or choice == ScreeningStages.BOTH:
        return [ScreeningStage.TITLE_ABSTRACT, ScreeningStage.FULL_TEXT]
    return [choice]


def records_at_stage(review: Review, stage: str) -> QuerySet[Record]:
    """The records of `review` screened at `stage`: never a duplicate, removed or still
    suspected (coding.records.selectors.records_for_screening: the lead settles it first); at
    the full text stage of a review with both stages, only those included at title and
    abstract."""
    records = records_for_screening(review)
    stages = review_stages(review)
    if stage not in stages:
        return records.none()
    if stage == ScreeningStage.FULL_TEXT and len(stages) == 2:
        records = records.filter(Exists(ScreeningOutcome.objects.filter(
            record=OuterRef("pk"), stage=ScreeningStage.TITLE_ABSTRACT, decision="include")))
    return records


def may_screen(user, review: Review) -> bool:
    """Members with the coder role screen (the records assigned to them)."""
    return Role.CODER in review_roles(user, review)


def records_to_screen(user, review: Review, stage: str) -> QuerySet[Record]:
    """The records of `review` that `user` may decide at `stage`: assigned to them there, in
    a review where they hold the coder role, still screened at that stage."""
    if not user.is_authenticated or not may_screen(user, review):
        return Record.objects.none()
    return records_at_stage(review, stage).filter(Exists(ScreeningAssignment.objects.filter(
        record=OuterRef("pk"), stage=stage, screener=user)))


def decide_refusal(user, record: Record, stage: str) -> tuple[str, str] | None:
    """Why `user` may not decide (or change, or withdraw their decision on) `record` at
    `stage`, as (code, message); None if they may."""
    review = record.review
    if not may_screen(user, review):
        return "role", str(NOT_CODER_MESSAGE)
    if record.duplicate_status == DuplicateStatus.CONFIRMED:
        return "duplicate", str(DUPLICATE_MESSAGE)
    if not records_to_screen(user, review, stage).filter(pk=record.pk).exists():
        return "not_assigned", str(NOT_SCREENER_MESSAGE)
    if ScreeningOutcome.objects.filter(record=record, stage=stage).exists():
        return "settled", str(SETTLED_MESSAGE)
    return None


def may_manage_screening(user, review: Review) -> bool:
    """Leads set screening up (stages, criteria, reasons) and assign screeners."""
    return user.is_authenticated and (user.is_superuser or Role.LEAD in review_roles(user, review))


def eligible_screeners(review: Review, users) -> tuple[list, list]:
    """Of `users`, (those who may be assigned to screen in `review`, the others): members
    with the coder role, as for coding (coding.assignments)."""
    coders = set(Membership.objects.filter(
        review=review, role=Role.CODER, user__in=[u.pk for u in users]
    ).values_list("user_id", flat=True))
    return [u for u in users if u.pk in coders], [u for u in users if u.pk not in coders]


# --- conflicts ------------------------------------------------------------------------


def may_view_conflicts(user, review: Review) -> bool:
    """Leads and adjudicators list a review's conflicts; in discussion mode, its screeners
    list those they discuss."""
    held = review_roles(user, review)
    return bool(held & {Role.LEAD, Role.ADJUDICATOR}) or user.is_superuser or (
        Role.CODER in held and in_discussion_mode(review))


def conflicts_visible_to(user, review: Review, conflicts: QuerySet[ScreeningConflict]
                         ) -> QuerySet[ScreeningConflict]:
    """The conflicts of `review` `user` may see: leads and adjudicators all (never one on a
    record they are blind on), the two screeners theirs in discussion mode."""
    if not user.is_authenticated:
        return conflicts.none()
    conflicts = conflicts.filter(record__review=review).exclude(_blind_q(user))
    held = review_roles(user, review)
    if user.is_superuser or held & {Role.LEAD, Role.ADJUDICATOR}:
        return conflicts
    if in_discussion_mode(review):
        return conflicts.filter(Q(decision_a__screener=user) | Q(decision_b__screener=user))
    return conflicts.none()


def all_conflicts_visible_to(user, conflicts: QuerySet[ScreeningConflict]
                             ) -> QuerySet[ScreeningConflict]:
    """conflicts_visible_to across reviews (the admin)."""
    if not user.is_authenticated:
        return conflicts.none()
    conflicts = conflicts.exclude(_blind_q(user))
    if user.is_superuser:
        return conflicts
    discussing = Q(record__review__resolution_mode="discussion") & (
        Q(decision_a__screener=user) | Q(decision_b__screener=user))
    return conflicts.filter(_staff_q(user) | discussing)


def outcomes_visible_to(user, outcomes: QuerySet[ScreeningOutcome]) -> QuerySet[ScreeningOutcome]:
    """Settled outcomes with their rationale: for the review's leads and adjudicators, and
    the record's screeners at that stage (an outcome exists once both decided)."""
    if not user.is_authenticated:
        return outcomes.none()
    outcomes = outcomes.exclude(_blind_q(user))
    if user.is_superuser:
        return outcomes
    screens = Exists(ScreeningAssignment.objects.filter(
        record=OuterRef("record"), stage=OuterRef("stage"), screener=user))
    return outcomes.filter(_staff_q(user) | Q(screens))


def conflict_screener_ids(conflict: ScreeningConflict) -> set[int]:
    """Everyone assigned to the record at the conflict's stage or holding a decision on it."""
    assigned = set(ScreeningAssignment.objects.filter(
        record=conflict.record_id, stage=conflict.stage).values_list("screener_id", flat=True))
    return assigned | set(ScreeningDecision.objects.filter(
        record=conflict.record_id, stage=conflict.stage).values_list("screener_id", flat=True))


def awaiting_discussion(conflict: ScreeningConflict, review: Review) -> bool:
    return (in_discussion_mode(review) and conflict.status == DisagreementStatus.OPEN
            and conflict.escalated_at is None)


def conflict_decide_refusal(user, conflict: ScreeningConflict) -> tuple[str, str] | None:
    """Why `user` may not decide the conflict as adjudicator; None if they may: an
    adjudicator of the review, not one of its screeners, once the conflict is open and not
    left to discussion."""
    review = conflict.record.review
    if not may_decide_in(user, review):
        return "role", str(NOT_ADJUDICATOR_MESSAGE)
    if user.pk in conflict_screener_ids(conflict):
        return "own_case", str(OWN_RECORD_MESSAGE)
    if conflict.status != DisagreementStatus.OPEN:
        return "settled", str(CONFLICT_SETTLED_MESSAGE)
    if awaiting_discussion(conflict, review):
        return "discussion", str(AWAITING_DISCUSSION_MESSAGE)
    return None


def conflict_discuss_refusal(user, conflict: ScreeningConflict) -> tuple[str, str] | None:
    """Why `user` may not propose a decision or escalate; None if they may: one of the two
    screeners, in discussion mode, while the conflict is open and not escalated."""
    review = conflict.record.review
    if not in_discussion_mode(review):
        return "mode", str(DISCUSSION_ONLY_MESSAGE)
    if user.pk not in (conflict.decision_a.screener_id, conflict.decision_b.screener_id):
        return "role", str(NOT_DISCUSSANT_MESSAGE)
    if conflict.status != DisagreementStatus.OPEN:
        return "settled", str(CONFLICT_SETTLED_MESSAGE)
    if conflict.escalated_at is not None:
        return "escalated", str(ESCALATED_MESSAGE)
    return None


def conflict_deciders(review: Review, conflict: ScreeningConflict) -> list[int]:
    """The adjudicators who may decide the conflict (for notifications)."""
    screeners = conflict_screener_ids(conflict)
    return [pk for pk in Membership.objects.filter(review=review, role=Role.ADJUDICATOR)
            .values_list("user_id", flat=True) if pk not in screeners]


# Audit events of screening are about a record at a stage (object: the record; data: its
# "stage"): a screener's own decisions, and what followed once both decided.
AUDIT_OWN_ACTIONS = ("screening.decide", "screening.withdraw")


def audit_hidden_q(user) -> Q:
    """The screening audit events `user` may not see (a Q on AuditEvent): every event about
    a record they are blind on at the event's stage, but their own decisions
    (coding.audit.policies)."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    hidden = Q(pk__in=[])
    for stage in ScreeningStage.values:
        keys = blind_records(user, stage).annotate(key=Cast("pk", CharField())).values("key")
        hidden |= Q(object_type=Record._meta.label_lower, action__startswith="screening.",
                    data__stage=stage, object_id__in=keys)
    return hidden & ~Q(actor=user, action__in=AUDIT_OWN_ACTIONS)
