"""Workflow of eligibility screening: settings, assigning screeners, decisions (blind and
double), comparing the two decisions, and settling conflicts (adjudication or discussion)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coding.adjudication.policies import in_discussion_mode
from coding.audit.services import audit_record
from coding.models import (
    DisagreementStatus,
    ExclusionReason,
    NotificationKind,
    Record,
    Review,
    ScreeningAssignment,
    ScreeningConflict,
    ScreeningDecision,
    ScreeningDecisionValue,
    ScreeningOutcome,
    ScreeningOutcomeMethod,
    ScreeningSettings,
    ScreeningStage,
    ScreeningStages,
)
from coding.notifications.services import notify
from coding.screening.policies import (
    SCREENERS_PER_RECORD,
    conflict_decide_refusal,
    conflict_deciders,
    conflict_discuss_refusal,
    decide_refusal,
    eligible_screeners,
    records_at_stage,
    review_stages,
)

MAX_REASONS = 30
MAX_CRITERIA = 20_000
MAX_NOTE = 5_000


def _refuse(refusal: tuple[str, str] | None) -> None:
    if refusal is not None:
        raise ValidationError(refusal[1], code=refusal[0])


def _version_token(settings: ScreeningSettings) -> str:
    return settings.updated_at.isoformat() if settings.updated_at else ""


def settings_version(review: Review) -> str:
    """What a settings form sends back to tell whether someone saved in between."""
    settings = ScreeningSettings.objects.filter(review=review).first()
    return _version_token(settings) if settings else ""


def _reasons_from_lines(lines: Sequence[str]) -> list[tuple[str, str]]:
    reasons, keys = [], set()
    for raw in lines:
        label = " ".join(raw.split())
        if not label:
            continue
        if len(label) > 200:
            raise ValidationError(_("An exclusion reason is at most 200 characters: %(label)s")
                                  % {"label": label[:60] + "…"})
        key = slugify(label)[:60] or f"reason-{len(reasons) + 1}"
        while key in keys:
            key = f"{key[:55]}-{len(reasons) + 1}"
        keys.add(key)
        reasons.append((key, label))
    if len(reasons) > MAX_REASONS:
        raise ValidationError(_("At most %(n)s exclusion reasons.") % {"n": MAX_REASONS})
    return reasons


@transaction.atomic
def screening_settings_save(*, review: Review, user, stages: str, criteria: str,
                            reasons: Sequence[str], version: str | None = None
                            ) -> ScreeningSettings:
    """Save the review's stages, criteria and exclusion reasons (labels in the order the
    screeners see them: the first is key 1). A reason is matched to a stored one by its
    label; removing one a decision or outcome uses is refused. `version` (what
    settings_version gave the form) refuses a save over someone else's."""
    if stages not in ScreeningStages.values:
        raise ValidationError(_("Choose the stages to screen in."), code="invalid")
    if len(criteria) > MAX_CRITERIA:
        raise ValidationError(_("The criteria are at most %(n)s characters.")
                              % {"n": f"{MAX_CRITERIA:,}"})
    Review.objects.select_for_update().filter(pk=review.pk).first()
    settings, _created = ScreeningSettings.objects.get_or_create(review=review)
    if version is not None and not _created and version != _version_token(settings):
        raise ValidationError(
            _("Someone else saved the screening settings while you were editing them; "
              "nothing was saved. Reload the page to see their version."), code="conflict")
    if stages != settings.stages and (ScreeningDecision.objects.filter(
            record__review=review).exists()):
        raise ValidationError(_("The stages cannot change once screening has begun."),
                              code="invalid")
    wanted = _reasons_from_lines(reasons)
    existing = {r.label.casefold(): r for r in ExclusionReason.objects.filter(review=review)}
    keep = []
    for order, (key, label) in enumerate(wanted, start=1):
        reason = existing.pop(label.casefold(), None)
        if reason is None:
            reason = ExclusionReason(review=review, key=key, label=label, order=order)
        reason.order = order
        keep.append(reason)
    removed = list(existing.values())
    used = {r.pk for r in removed} & (
        set(ScreeningDecision.objects.filter(reason__in=removed).values_list("reason", flat=True))
        | set(ScreeningOutcome.objects.filter(reason__in=removed).values_list("reason",
                                                                               flat=True)))
    if used:
        names = ", ".join(r.label for r in removed if r.pk in used)
        raise ValidationError(_("Decisions give these exclusion reasons, so they stay: "
                                "%(names)s.") % {"names": names}, code="invalid")
    ExclusionReason.objects.filter(pk__in=[r.pk for r in removed]).delete()
    # Keys stay unique while orders move: the new rows get fresh keys if taken.
    taken = set(ExclusionReason.objects.filter(review=review).values_list("key", flat=True))
    for reason in keep:
        if reason.pk is None:
            while reason.key in taken:
                reason.key = f"{reason.key[:55]}-{reason.order}"
            taken.add(reason.key)
        reason.save()
    settings.stages = stages
    settings.criteria = criteria
    settings.save()
    audit_record(actor=user, action="screening.settings", obj=settings, review=review,
                 data={"stages": stages, "reasons": [r.key for r in keep]})
    return settings


# --- assignments ----------------------------------------------------------------------


@transaction.atomic
def screening_assign(*, review: Review, user, stage: str, screeners: Sequence,
                     limit: int | None = None) -> int:
    """Give every record of `review` screened at `stage` that has fewer than two screeners
    there its missing screeners from `screeners`: with two, both screen every record; with
    more, each record gets the two with the fewest records at this stage (balanced). Removed
    duplicates are never assigned. Returns how many assignments were made."""
    if stage not in review_stages(review):
        raise ValidationError(_("This review does not screen at that stage."), code="invalid")
    screeners = list(dict.fromkeys(screeners))
    if len(screeners) < SCREENERS_PER_RECORD:
        raise ValidationError(_("Choose at least two screeners."), code="invalid")
    _ok, refused = eligible_screeners(review, screeners)
    if refused:
        raise ValidationError(
            _("Only members with the coder role screen: %(names)s.")
            % {"names": ", ".join(u.username for u in refused)}, code="invalid")
    Review.objects.select_for_update().filter(pk=review.pk).first()
    records = records_at_stage(review, stage).annotate(
        n=Count("assignments", filter=Q(assignments__stage=stage))
    ).filter(n__lt=SCREENERS_PER_RECORD).order_by("pk")
    if limit:
        records = records[:limit]
    record_ids = list(records.values_list("pk", flat=True))
    have: dict[int, set[int]] = {}
    for record_id, screener_id in ScreeningAssignment.objects.filter(
            record_id__in=record_ids, stage=stage).values_list("record_id", "screener_id"):
        have.setdefault(record_id, set()).add(screener_id)
    load = dict(ScreeningAssignment.objects.filter(
        record__review=review, stage=stage, screener__in=screeners
    ).values("screener").annotate(n=Count("pk")).values_list("screener", "n"))
    load = {u.pk: load.get(u.pk, 0) for u in screeners}
    order = {u.pk: i for i, u in enumerate(screeners)}
    rows, per_screener = [], {}
    for record_id in record_ids:
        taken = have.get(record_id, set())
        for _slot in range(SCREENERS_PER_RECORD - len(taken)):
            free = [pk for pk in load if pk not in taken]
            if not free:
                break
            pick = min(free, key=lambda pk: (load[pk], order[pk]))
            taken.add(pick)
            load[pick] += 1
            per_screener[pick] = per_screener.get(pick, 0) + 1
            rows.append(ScreeningAssignment(record_id=record_id, stage=stage,
                                            screener_id=pick, assigned_by=user))
    ScreeningAssignment.objects.bulk_create(rows, batch_size=500)
    if rows:
        audit_record(actor=user, action="screening.assign", obj=review, review=review,
                     data={"stage": stage, "assignments": len(rows),
                           "screeners": {str(k): v for k, v in per_screener.items()}})
        url = reverse("coding:screening", args=[review.slug]) + f"?stage={stage}"
        for pk, n in per_screener.items():
            notify(users=[pk], review=review, kind=NotificationKind.CASE_ASSIGNED, url=url,
                   message="records_assigned", params={"n": n, "review": review.title})
    return len(rows)


# --- decisions ------------------------------------------------------------------------


def _record_locked(record: Record) -> Record:
    locked = Record.objects.select_for_update().select_related("review").get(pk=record.pk)
    return locked


def _clean_reason(review: Review, stage: str, decision: str, reason) -> ExclusionReason | None:
    if stage != ScreeningStage.FULL_TEXT or decision != ScreeningDecisionValue.EXCLUDE:
        return None
    reasons = ExclusionReason.objects.filter(review=review)
    if reason in (None, ""):
        if reasons.exists():
            raise ValidationError(_("Choose why the record is excluded at full text."),
                                  code="invalid")
        return None
    if isinstance(reason, ExclusionReason):
        found = reason if reason.review_id == review.pk else None
    else:
        found = reasons.filter(key=str(reason)).first()
    if found is None:
        raise ValidationError(_("No such exclusion reason in this review: %(key)s.")
                              % {"key": str(reason)[:60]}, code="invalid")
    return found


@transaction.atomic
def screening_decide(*, record: Record, stage: str, user, decision: str, reason=None,
                     note: str = "", version: int | None = None) -> ScreeningDecision:
    """Record (or change) `user`'s decision on `record` at `stage`: include, exclude or maybe;
    at full text an exclusion gives a reason of the review's list. Changing is allowed until
    the record is settled at that stage; `version` (the decision's version the screener saw)
    refuses a change over another tab's. Once every assigned screener decided, the decisions
    are compared (an outcome when they agree, else a conflict)."""
    record = _record_locked(record)
    if decision not in ScreeningDecisionValue.values:
        raise ValidationError(_("Decide include, exclude or maybe."), code="invalid")
    if stage not in ScreeningStage.values:
        raise ValidationError(_("No such screening stage."), code="invalid")
    _refuse(decide_refusal(user, record, stage))
    if len(note) > MAX_NOTE:
        raise ValidationError(_("A note is at most %(n)s characters.") % {"n": f"{MAX_NOTE:,}"})
    reason = _clean_reason(record.review, stage, decision, reason)
    mine = ScreeningDecision.objects.filter(record=record, stage=stage, screener=user).first()
    if mine is not None and version is not None and version != mine.version:
        raise ValidationError(
            _("You changed this decision elsewhere in the meantime (now version %(v)s); "
              "nothing was saved.") % {"v": mine.version}, code="conflict")
    if mine is None:
        mine = ScreeningDecision.objects.create(record=record, stage=stage, screener=user,
                                                decision=decision, reason=reason, note=note)
    elif (mine.decision, mine.reason_id, mine.note) != (decision, getattr(reason, "pk", None),
                                                        note):
        mine.decision, mine.reason, mine.note = decision, reason, note
        mine.version += 1
        mine.decided_at = timezone.now()
        mine.save()
    else:
        return mine
    audit_record(actor=user, action="screening.decide", obj=record, review=record.review,
                 data={"stage": stage, "decision": decision, "version": mine.version,
                       "reason": reason.key if reason else ""})
    _compare(record, stage, user)
    return mine


@transaction.atomic
def screening_withdraw(*, record: Record, stage: str, user) -> bool:
    """Undo `user`'s decision on `record` at `stage` (it becomes undecided again), while the
    record is not settled. An open conflict it made goes with it. False if there was none."""
    record = _record_locked(record)
    _refuse(decide_refusal(user, record, stage))
    mine = ScreeningDecision.objects.filter(record=record, stage=stage, screener=user).first()
    if mine is None:
        return False
    ScreeningConflict.objects.filter(Q(decision_a=mine) | Q(decision_b=mine)).delete()
    mine.delete()
    audit_record(actor=user, action="screening.withdraw", obj=record, review=record.review,
                 data={"stage": stage})
    return True


def screening_undo_last(*, review: Review, stage: str, user) -> Record | None:
    """Withdraw `user`'s most recent decision at `stage` of `review` (the screening page's
    U key); the record it was on, or None when there is nothing to undo."""
    last = (ScreeningDecision.objects.filter(record__review=review, stage=stage, screener=user)
            .exclude(record__outcomes__stage=stage)
            .order_by("-decided_at", "-pk").select_related("record").first())
    if last is None:
        return None
    screening_withdraw(record=last.record, stage=stage, user=user)
    return last.record


def _agree(a: ScreeningDecision, b: ScreeningDecision) -> bool:
    return (a.decision == b.decision and a.decision != ScreeningDecisionValue.MAYBE
            and a.reason_id == b.reason_id)


def _compare(record: Record, stage: str, actor) -> None:
    """Once every assigned screener (at least two) decided: an agreed outcome, or a
    conflict (include against exclude, a maybe, or two different exclusion reasons)."""
    assigned = list(ScreeningAssignment.objects.filter(record=record, stage=stage)
                    .values_list("screener_id", flat=True))
    decisions = list(ScreeningDecision.objects.filter(
        record=record, stage=stage, screener_id__in=assigned).order_by("pk"))
    if len(assigned) < SCREENERS_PER_RECORD or len(decisions) < len(assigned):
        return
    a, b = decisions[0], decisions[1]
    review = record.review
    conflict = ScreeningConflict.objects.filter(record=record, stage=stage).first()
    if _agree(a, b):
        now = timezone.now()
        if conflict is not None:
            conflict.status, conflict.resolved_at = DisagreementStatus.RESOLVED, now
            conflict.save(update_fields=["status", "resolved_at"])
        ScreeningOutcome.objects.create(
            record=record, stage=stage, decision=a.decision, reason=a.reason,
            method=ScreeningOutcomeMethod.AGREED, decided_at=now)
        audit_record(actor=actor, action="screening.agreed", obj=record, review=review,
                     data={"stage": stage, "decision": a.decision})
        return
    if conflict is None:
        conflict = ScreeningConflict.objects.create(record=record, stage=stage,
                                                    decision_a=a, decision_b=b)
        audit_record(actor=actor, action="screening.conflict", obj=record, review=review,
                     data={"stage": stage, "conflict": conflict.pk})
        _notify_conflict(review, conflict)
    elif conflict.proposals:
        # A screener changed their decision during the discussion: proposals start again.
        conflict.proposals = {}
        conflict.save(update_fields=["proposals"])


def _conflict_url(review: Review, conflict: ScreeningConflict) -> str:
    return reverse("coding:screening_conflict", args=[review.slug, conflict.pk])


def _notify_conflict(review: Review, conflict: ScreeningConflict, *, escalated=False) -> None:
    """Tell who settles a new (or escalated) conflict: both decisions exist, so it reveals
    nothing blind."""
    url = _conflict_url(review, conflict)
    if in_discussion_mode(review) and not escalated:
        notify(users=[conflict.decision_a.screener_id, conflict.decision_b.screener_id],
               review=review, kind=NotificationKind.DISCUSSION_WAITING, url=url,
               message="screening_discussion_waiting", params={"review": review.title})
        return
    deciders = conflict_deciders(review, conflict)
    if deciders:
        notify(users=deciders, review=review, kind=NotificationKind.ADJUDICATION_NEEDED,
               url=url, message="screening_adjudication_needed",
               params={"review": review.title})


def _conflict_locked(conflict: ScreeningConflict) -> ScreeningConflict:
    return (ScreeningConflict.objects.select_for_update()
            .select_related("record__review", "decision_a", "decision_b").get(pk=conflict.pk))


def _settle(conflict: ScreeningConflict, *, user, decision: str, reason, rationale: str,
            method: str) -> ScreeningOutcome:
    now = timezone.now()
    outcome = ScreeningOutcome.objects.create(
        record=conflict.record, stage=conflict.stage, decision=decision, reason=reason,
        method=method, decided_by=user, rationale=rationale, decided_at=now)
    conflict.status, conflict.resolved_at = DisagreementStatus.RESOLVED, now
    conflict.save(update_fields=["status", "resolved_at", "proposals"])
    audit_record(actor=user, action="screening.settle", obj=conflict.record,
                 review=conflict.record.review,
                 data={"stage": conflict.stage, "decision": decision, "method": method})
    return outcome


def _outcome_value(conflict: ScreeningConflict, decision: str, reason):
    if decision not in (ScreeningDecisionValue.INCLUDE, ScreeningDecisionValue.EXCLUDE):
        raise ValidationError(_("Settle a conflict with include or exclude."), code="invalid")
    return _clean_reason(conflict.record.review, conflict.stage, decision, reason)


@transaction.atomic
def screening_conflict_decide(*, conflict: ScreeningConflict, user, decision: str,
                              reason=None, rationale: str = "") -> ScreeningOutcome:
    """An adjudicator settles the conflict (outcome "adjudicated", with their rationale)."""
    conflict = _conflict_locked(conflict)
    _refuse(conflict_decide_refusal(user, conflict))
    reason = _outcome_value(conflict, decision, reason)
    return _settle(conflict, user=user, decision=decision, reason=reason,
                   rationale=rationale[:MAX_NOTE], method=ScreeningOutcomeMethod.ADJUDICATED)


@transaction.atomic
def screening_conflict_propose(*, conflict: ScreeningConflict, user, decision: str,
                               reason=None, rationale: str = "") -> ScreeningOutcome | None:
    """Discussion mode: one of the two screeners proposes how to settle the conflict. When
    both have proposed the same decision (and reason), it is settled ("agreed in
    discussion", their rationales joined); the outcome, or None while they differ."""
    conflict = _conflict_locked(conflict)
    _refuse(conflict_discuss_refusal(user, conflict))
    reason = _outcome_value(conflict, decision, reason)
    conflict.proposals[str(user.pk)] = {"decision": decision,
                                        "reason": reason.key if reason else "",
                                        "rationale": rationale[:MAX_NOTE]}
    audit_record(actor=user, action="screening.propose", obj=conflict.record,
                 review=conflict.record.review, data={"stage": conflict.stage,
                                                      "decision": decision})
    ids = [str(conflict.decision_a.screener_id), str(conflict.decision_b.screener_id)]
    proposals = [conflict.proposals.get(i) for i in ids]
    if all(proposals) and all(
            (p["decision"], p["reason"]) == (proposals[0]["decision"], proposals[0]["reason"])
            for p in proposals):
        text = "\n\n".join(p["rationale"] for p in proposals if p["rationale"])
        return _settle(conflict, user=user, decision=decision, reason=reason, rationale=text,
                       method=ScreeningOutcomeMethod.DISCUSSED)
    conflict.save(update_fields=["proposals"])
    return None


@transaction.atomic
def screening_conflict_escalate(*, conflict: ScreeningConflict, user) -> ScreeningConflict:
    """Discussion mode: either screener hands the conflict to the adjudicators."""
    conflict = _conflict_locked(conflict)
    _refuse(conflict_discuss_refusal(user, conflict))
    conflict.escalated_at = timezone.now()
    conflict.save(update_fields=["escalated_at"])
    audit_record(actor=user, action="screening.escalate", obj=conflict.record,
                 review=conflict.record.review, data={"stage": conflict.stage})
    _notify_conflict(conflict.record.review, conflict, escalated=True)
    return conflict
