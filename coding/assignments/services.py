"""Assigning coders to cases: automatic balancing, by hand, reassignment."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from coding.adjudication.services import case_consensus_refresh, cases_consensus_refresh
from coding.audit.services import audit_record, audit_record_many
from coding.codings.policies import coding_complete, may_unassign
from coding.dbbulk import insert_objects
from coding.locks import case_lock, cases_lock
from coding.models import (
    Assignment,
    Case,
    Coding,
    CodingStatus,
    Membership,
    Review,
    Role,
)
from coding.notifications.services import notify_cases_assigned
from coding.reliability.services import reliability_changed

# --- assignment --------------------------------------------------------------


# Each case is coded by two people; the blind-coding rule ("until both assigned
# coders have submitted") presumes it.
CODERS_PER_CASE = 2


def _display(user) -> str:
    return user.get_full_name() or user.username


def _coder_ids(review: Review) -> set[int]:
    return set(
        Membership.objects.filter(review=review, role=Role.CODER).values_list("user_id", flat=True)
    )


def _check_coders(review: Review, coders: Iterable) -> None:
    allowed = _coder_ids(review)
    outside = [_display(c) for c in coders if c.pk not in allowed]
    if outside:
        raise ValidationError(ngettext(
            "%(people)s is not a coder in this review. Add the coder role first.",
            "%(people)s are not a coder in this review. Add the coder role first.",
            len(outside)) % {"people": ", ".join(outside)})


def _audit_assignment(*, actor, action: str, assignment: Assignment, review: Review) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=assignment,
        review=review,
        data={"case": assignment.case.number, "coder": assignment.coder.username},
    )


def cases_assign(
    *,
    review: Review,
    coders: Sequence,
    per_case: int = CODERS_PER_CASE,
    assigned_by,
    cases: Iterable[Case] | None = None,
) -> list[Assignment]:
    """Give every case of the review (or of `cases`) `per_case` coders, balancing load.

    Cases that already have enough coders are left alone, so calling it again changes
    nothing. Each open slot goes to the coder with the fewest cases in this review so
    far (ties: the order of `coders`). Returns the assignments created.
    """
    coders = list(dict.fromkeys(coders))
    if not 1 <= per_case <= CODERS_PER_CASE:
        raise ValidationError(gettext(
            "Each case needs 1 or %(coders_per_case)s coders, not %(per_case)s.") % {
            "coders_per_case": CODERS_PER_CASE, "per_case": per_case})
    if len(coders) < per_case:
        available = len(coders)
        if not available:
            text = gettext("Assigning %(per_case)s coders per case needs at least %(per_case)s "
                           "coders; 0 are available. Add coders to the review first.")
        else:
            text = ngettext(
                "Assigning %(per_case)s coders per case needs at least %(per_case)s coders; "
                "only %(available)s is available. Add coders to the review first.",
                "Assigning %(per_case)s coders per case needs at least %(per_case)s coders; "
                "only %(available)s are available. Add coders to the review first.",
                available)
        raise ValidationError(text % {"per_case": per_case, "available": available})
    _check_coders(review, coders)
    with transaction.atomic():
        targets = Case.objects.filter(review=review)
        if cases is not None:
            targets = targets.filter(pk__in=[c.pk for c in cases])
        targets = targets.annotate(n=Count("assignments")).filter(n__lt=per_case)
        targets = list(targets.order_by("sort_key", "number"))
        already: dict[int, set[int]] = {}
        for case_id, coder_id in Assignment.objects.filter(case__in=targets).values_list(
            "case_id", "coder_id"
        ):
            already.setdefault(case_id, set()).add(coder_id)
        load = dict(
            Assignment.objects.filter(case__review=review, coder__in=coders)
            .values("coder")
            .annotate(n=Count("pk"))
            .values_list("coder", "n")
        )
        rank = {coder.pk: i for i, coder in enumerate(coders)}
        new: list[Assignment] = []
        for case in targets:
            taken = already.get(case.pk, set())
            free = [c for c in coders if c.pk not in taken]
            free.sort(key=lambda c: (load.get(c.pk, 0), rank[c.pk]))
            for coder in free[: per_case - len(taken)]:
                new.append(Assignment(case=case, coder=coder, assigned_by=assigned_by))
                load[coder.pk] = load.get(coder.pk, 0) + 1
        created = Assignment.objects.bulk_create(new)
        for assignment in created:
            _audit_assignment(
                actor=assigned_by, action="assignment.create", assignment=assignment, review=review
            )
        notify_cases_assigned(review=review, numbers_by_coder=_numbers_by_coder(created),
                              assigned_by=assigned_by)
    return created


def _numbers_by_coder(assignments: Iterable[Assignment]) -> dict[int, list[str]]:
    numbers: dict[int, list[str]] = {}
    for assignment in assignments:
        numbers.setdefault(assignment.coder_id, []).append(assignment.case.number)
    return numbers


def _refuse_if_submitted(case: Case, coder) -> None:
    if Coding.objects.filter(case=case, coder=coder, status=CodingStatus.SUBMITTED).exists():
        raise ValidationError(
            gettext(
                "%(display)s has already submitted a coding of case %(number)s, so they stay "
                "assigned. To replace them anyway, reopen their coding first (their draft is "
                "kept).") % {
                "display": _display(coder), "number": case.number}
        )


def assignment_set(*, case: Case, coders: Sequence, assigned_by) -> list[Assignment]:
    """Make `coders` (at most two, distinct) the case's assigned coders.

    Removing a coder who has submitted is refused. A removed coder's draft stays in the
    database (invisible while they are not assigned) and comes back if they are
    reassigned.
    """
    coders = list(coders)
    if len({c.pk for c in coders}) != len(coders):
        raise ValidationError(gettext("Choose two different coders."))
    if len(coders) > CODERS_PER_CASE:
        raise ValidationError(gettext(
            "A case has at most %(coders_per_case)s coders.") % {
            "coders_per_case": CODERS_PER_CASE})
    review = case.review
    _check_coders(review, coders)
    with transaction.atomic():
        case_lock(case)  # the case first (coding.locks)
        current = list(Assignment.objects.select_related("coder").filter(case=case))
        wanted = {c.pk for c in coders}
        removed = [a for a in current if a.coder_id not in wanted]
        for assignment in removed:
            if not may_unassign(assigned_by, case, assignment.coder):
                raise ValidationError(
                    gettext("You code case %(number)s, so you cannot take its other coder off "
                            "it; another lead can.") % {"number": case.number},
                    code="blind",
                )
            _refuse_if_submitted(case, assignment.coder)
        for assignment in removed:
            _audit_assignment(
                actor=assigned_by, action="assignment.delete", assignment=assignment, review=review
            )
            assignment.delete()
        held = {a.coder_id for a in current}
        created = []
        for coder in coders:
            if coder.pk not in held:
                assignment = Assignment.objects.create(
                    case=case, coder=coder, assigned_by=assigned_by
                )
                _audit_assignment(
                    actor=assigned_by, action="assignment.create", assignment=assignment,
                    review=review,
                )
                created.append(assignment)
        # New coders make a complete case incomplete again.
        case_consensus_refresh(case=case)
        # A submitted coder cannot be taken off, so a complete case stays as it is; a new
        # coder who has submitted already (imported) can complete one: it counts from now.
        if coding_complete(case):
            reliability_changed(review=review)
        notify_cases_assigned(review=review, numbers_by_coder=_numbers_by_coder(created),
                              assigned_by=assigned_by)
    return list(Assignment.objects.filter(case=case).select_related("coder"))


def assignment_replace(*, case: Case, old_coder, new_coder, assigned_by) -> Assignment:
    """Reassign the case from `old_coder` to `new_coder` (refused once `old_coder` submitted)."""
    current = list(Assignment.objects.filter(case=case).select_related("coder"))
    if not any(a.coder_id == old_coder.pk for a in current):
        raise ValidationError(gettext(
            "%(display)s is not assigned to case %(number)s.") % {
            "display": _display(old_coder), "number": case.number})
    if any(a.coder_id == new_coder.pk for a in current):
        raise ValidationError(gettext(
            "%(display)s is already assigned to case %(number)s.") % {
            "display": _display(new_coder), "number": case.number})
    coders = [new_coder if a.coder_id == old_coder.pk else a.coder for a in current]
    assignment_set(case=case, coders=coders, assigned_by=assigned_by)
    return Assignment.objects.get(case=case, coder=new_coder)



def assignments_add(
    *, review: Review, assignments: Sequence[Assignment], assigned_by, source: str = ""
) -> int:
    """Create many unsaved `assignments` of the review's cases at once (large imports), with
    the rules of assignment_set: coders hold the coder role, at most CODERS_PER_CASE coders
    a case, no coder twice. One audit event each, as assignment_set writes them."""
    if not assignments:
        return 0
    _check_coders(review, {a.coder for a in assignments})
    counts = dict(
        Assignment.objects.filter(case__in={a.case_id for a in assignments})
        .values("case").annotate(n=Count("pk")).values_list("case", "n")
    )
    pairs = set(
        Assignment.objects.filter(case__in={a.case_id for a in assignments})
        .values_list("case_id", "coder_id")
    )
    for assignment in assignments:
        pair = (assignment.case_id, assignment.coder_id)
        if pair in pairs:
            raise ValidationError(
                gettext(
                    "%(display)s is already assigned to case %(number)s.") % {
                    "display": _display(assignment.coder), "number": assignment.case.number}
            )
        pairs.add(pair)
        counts[assignment.case_id] = counts.get(assignment.case_id, 0) + 1
        if counts[assignment.case_id] > CODERS_PER_CASE:
            raise ValidationError(gettext(
                "A case has at most %(coders_per_case)s coders (case %(number)s).") % {
                "coders_per_case": CODERS_PER_CASE, "number": assignment.case.number})
    now = timezone.now()
    with transaction.atomic():
        cases_lock({a.case_id for a in assignments})  # the cases first (coding.locks)
        for assignment in assignments:
            assignment.assigned_at, assignment.assigned_by = now, assigned_by
        insert_objects(Assignment, ["case", "coder", "assigned_by", "assigned_at"], assignments)
        ids = dict(
            ((case_id, coder_id), pk) for pk, case_id, coder_id in
            Assignment.objects.filter(case__in={a.case_id for a in assignments})
            .values_list("pk", "case_id", "coder_id")
        )
        extra = {"source": source} if source else {}
        audit_record_many(
            actor=assigned_by, action="assignment.create", model=Assignment, events=[
            (ids[a.case_id, a.coder_id], review.pk,
             {"case": a.case.number, "coder": a.coder.username, **extra})
            for a in assignments
        ])
        cases_consensus_refresh(
            cases=Case.objects.filter(pk__in={a.case_id for a in assignments})
        )
        notify_cases_assigned(review=review, numbers_by_coder=_numbers_by_coder(assignments),
                              assigned_by=assigned_by)
    return len(assignments)
