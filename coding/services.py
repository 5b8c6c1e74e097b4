"""Workflow of blind double coding: assignments, drafts, submission, reopening.

Every function here is keyword-only, runs in one transaction and raises
django.core.exceptions.ValidationError with a message a person can act on.
Views call these and nothing else to change codings or assignments.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from coding.access import is_lead
from coding.audit import audit_record
from coding.models import (
    Assignment,
    Attribute,
    AttributeKind,
    Case,
    CodedValue,
    Coding,
    CodingStatus,
    Membership,
    Review,
    Role,
)
from coding.values import BadValue, bad_value_message, value_parse

# Each case is coded by two people; the blind-coding rule ("until both assigned
# coders have submitted") presumes it.
CODERS_PER_CASE = 2

CONFLICT_MESSAGE = (
    "This coding was saved elsewhere (another tab?) after you opened it, so this change was not "
    "saved. Your text is kept below to copy; reload the page to see the saved version."
)
SUBMITTED_MESSAGE = (
    "This coding has been submitted and is read-only. A review lead can reopen it."
)


class CodingConflict(ValidationError):
    """A save based on a version that is no longer current, or on a submitted coding."""


def _display(user) -> str:
    return user.get_full_name() or user.username


# --- assignment --------------------------------------------------------------


def _coder_ids(review: Review) -> set[int]:
    return set(
        Membership.objects.filter(review=review, role=Role.CODER).values_list("user_id", flat=True)
    )


def _check_coders(review: Review, coders: Iterable) -> None:
    allowed = _coder_ids(review)
    outside = [_display(c) for c in coders if c.pk not in allowed]
    if outside:
        raise ValidationError(
            f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not a coder in this "
            "review. Add the coder role first."
        )


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
        raise ValidationError(f"Each case needs 1 or {CODERS_PER_CASE} coders, not {per_case}.")
    if len(coders) < per_case:
        raise ValidationError(
            f"Assigning {per_case} coders per case needs at least {per_case} coders; "
            f"{'only ' if coders else ''}{len(coders)} {'is' if len(coders) == 1 else 'are'} "
            "available. Add coders to the review first."
        )
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
    return created


def _refuse_if_submitted(case: Case, coder) -> None:
    if Coding.objects.filter(case=case, coder=coder, status=CodingStatus.SUBMITTED).exists():
        raise ValidationError(
            f"{_display(coder)} has already submitted a coding of case {case.number}, so they "
            "stay assigned. To replace them anyway, reopen their coding first (their draft is "
            "kept)."
        )


def assignment_set(*, case: Case, coders: Sequence, assigned_by) -> list[Assignment]:
    """Make `coders` (at most two, distinct) the case's assigned coders.

    Removing a coder who has submitted is refused. A removed coder's draft stays in the
    database (invisible while they are not assigned) and comes back if they are
    reassigned.
    """
    coders = list(coders)
    if len({c.pk for c in coders}) != len(coders):
        raise ValidationError("Choose two different coders.")
    if len(coders) > CODERS_PER_CASE:
        raise ValidationError(f"A case has at most {CODERS_PER_CASE} coders.")
    review = case.review
    _check_coders(review, coders)
    with transaction.atomic():
        current = list(Assignment.objects.select_related("coder").filter(case=case))
        wanted = {c.pk for c in coders}
        removed = [a for a in current if a.coder_id not in wanted]
        for assignment in removed:
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
    return list(Assignment.objects.filter(case=case).select_related("coder"))


def assignment_replace(*, case: Case, old_coder, new_coder, assigned_by) -> Assignment:
    """Reassign the case from `old_coder` to `new_coder` (refused once `old_coder` submitted)."""
    current = list(Assignment.objects.filter(case=case).select_related("coder"))
    if not any(a.coder_id == old_coder.pk for a in current):
        raise ValidationError(f"{_display(old_coder)} is not assigned to case {case.number}.")
    if any(a.coder_id == new_coder.pk for a in current):
        raise ValidationError(f"{_display(new_coder)} is already assigned to case {case.number}.")
    coders = [new_coder if a.coder_id == old_coder.pk else a.coder for a in current]
    assignment_set(case=case, coders=coders, assigned_by=assigned_by)
    return Assignment.objects.get(case=case, coder=new_coder)


# --- coding --------------------------------------------------------------------


def coding_start(*, case: Case, user) -> Coding:
    """The user's coding of the case, created (version 0, no values) on first use.

    Only an assigned coder may code a case.
    """
    if not Assignment.objects.filter(case=case, coder=user).exists():
        raise ValidationError(f"You are not assigned to case {case.number}.")
    codebook = case.review.current_codebook()
    if codebook is None:
        raise ValidationError("This review has no codebook yet; import one first.")
    coding, _ = Coding.objects.get_or_create(
        case=case, coder=user, defaults={"codebook": codebook, "version": 0}
    )
    return coding


def _clean_value(attribute: Attribute, raw: Any, options: dict[str, Any]) -> dict:
    """Normalise one attribute's raw value to model fields; raise with the attribute's label."""
    try:
        value = value_parse(attribute, raw, options)
    except BadValue as error:
        raise ValidationError(bad_value_message(attribute, error)) from None
    kind = attribute.kind
    if kind == AttributeKind.SINGLE:
        return {"options": [options[value]] if value else []}
    if kind == AttributeKind.MULTI:
        return {"options": [options[key] for key in sorted(value)]}
    if kind == AttributeKind.NUMBER:
        return {"number": value}
    if kind == AttributeKind.BOOLEAN:
        return {"boolean": value}
    return {"text": value or ""}


def _is_empty(fields: dict, evidence: str, note: str) -> bool:
    value_empty = (
        not fields.get("options")
        and fields.get("number") is None
        and fields.get("boolean") is None
        and not fields.get("text")
    )
    return value_empty and not evidence and not note


def coding_save_draft(
    *, coding: Coding, values: Mapping[str, Mapping[str, Any]], expected_version: int, user
) -> Coding:
    """Save a draft: `values` maps attribute keys to {"value", "evidence", "note"}.

    "value" is an option key (single), a list of option keys (multi), text, a number or
    None, or "yes"/"no"/True/False/None (boolean). Attributes not in `values` keep what
    they hold; an attribute left wholly empty has no stored value ("not coded").
    The save succeeds only if the coding is still at `expected_version` (raises
    CodingConflict otherwise, and writes nothing); the returned coding carries the new
    version.
    """
    if coding.coder_id != user.pk:
        raise ValidationError("Only the coder who owns a coding can change it.")
    attributes = {
        a.key: a for a in coding.codebook.attributes.prefetch_related("options")
    }
    unknown = [key for key in values if key not in attributes]
    if unknown:
        raise ValidationError(f"Unknown attribute(s) for this codebook: {', '.join(unknown)}.")
    cleaned = {}
    for key, entry in values.items():
        attribute = attributes[key]
        options = {o.key: o for o in attribute.options.all()}
        fields = _clean_value(attribute, entry.get("value"), options)
        evidence = (entry.get("evidence") or "").strip()
        note = (entry.get("note") or "").strip()
        cleaned[key] = (fields, evidence, note)

    with transaction.atomic():
        # The compare-and-swap comes first in the transaction, so that of two saves
        # based on the same version exactly one changes the row (also on SQLite).
        now = timezone.now()
        changed = Coding.objects.filter(
            pk=coding.pk, version=expected_version, status=CodingStatus.DRAFT
        ).update(version=F("version") + 1, updated_at=now)
        if not changed:
            current = Coding.objects.get(pk=coding.pk)
            raise CodingConflict(
                SUBMITTED_MESSAGE if current.is_submitted else CONFLICT_MESSAGE, code="conflict"
            )
        existing = {
            v.attribute_id: v
            for v in CodedValue.objects.filter(coding=coding).prefetch_related("options")
        }
        changed_keys = []
        for key, (fields, evidence, note) in cleaned.items():
            attribute = attributes[key]
            stored = existing.get(attribute.pk)
            if _is_empty(fields, evidence, note):
                if stored is not None:
                    stored.delete()
                    changed_keys.append(key)
                continue
            row = {
                "text": fields.get("text", ""),
                "number": fields.get("number"),
                "boolean": fields.get("boolean"),
                "evidence": evidence,
                "note": note,
            }
            chosen = {o.pk for o in fields.get("options", [])}
            # Autosave sends the whole form; rows that did not change are not rewritten.
            if stored is not None and chosen == {o.pk for o in stored.options.all()} and all(
                getattr(stored, name) == value for name, value in row.items()
            ):
                continue
            if stored is None:
                stored = CodedValue(coding=coding, attribute=attribute)
            for name, value in row.items():
                setattr(stored, name, value)
            stored.save()
            if attribute.is_choice:
                stored.options.set(fields["options"])
            changed_keys.append(key)
        coding.refresh_from_db()
        audit_record(
            actor=user,
            action="coding.save_draft",
            obj=coding,
            review=coding.case.review,
            data={"version": coding.version, "attributes": changed_keys},
        )
    return coding


def coding_missing_required(*, coding: Coding) -> list[Attribute]:
    """The required attributes the coding has no value for, in codebook order."""
    has_value = (
        ~Q(text="") | Q(number__isnull=False) | Q(boolean__isnull=False) | Q(options__isnull=False)
    )
    answered = set(
        CodedValue.objects.filter(has_value, coding=coding).values_list("attribute_id", flat=True)
    )
    return [a for a in coding.codebook.attributes.filter(required=True) if a.pk not in answered]


def _record_unticked_multi_choices(coding: Coding) -> None:
    """A submitted coding with no box ticked for a multiple-choice attribute means "none of
    these", not "not coded": store it as an empty choice so that reliability and export agree
    with adjudication (an imported empty value means the same)."""
    coded = CodedValue.objects.filter(coding=coding).values_list("attribute_id", flat=True)
    unticked = coding.codebook.attributes.filter(kind=AttributeKind.MULTI).exclude(pk__in=coded)
    CodedValue.objects.bulk_create(
        CodedValue(coding=coding, attribute=attribute) for attribute in unticked
    )


def coding_submit(*, coding: Coding, expected_version: int, user) -> Coding:
    """Submit the coding: checks required attributes, then makes it read-only for the coder."""
    if coding.coder_id != user.pk:
        raise ValidationError("Only the coder who owns a coding can submit it.")
    with transaction.atomic():
        now = timezone.now()
        changed = Coding.objects.filter(
            pk=coding.pk, version=expected_version, status=CodingStatus.DRAFT
        ).update(
            version=F("version") + 1,
            status=CodingStatus.SUBMITTED,
            submitted_at=now,
            updated_at=now,
        )
        if not changed:
            current = Coding.objects.get(pk=coding.pk)
            raise CodingConflict(
                SUBMITTED_MESSAGE if current.is_submitted else CONFLICT_MESSAGE, code="conflict"
            )
        missing = coding_missing_required(coding=coding)
        if missing:
            # Raising rolls the status change back.
            raise ValidationError(
                "Not submitted: please code the required "
                f"attribute{'s' if len(missing) > 1 else ''} "
                f"{', '.join(a.label for a in missing)}.",
                code="missing",
                params={"missing": [a.key for a in missing]},
            )
        _record_unticked_multi_choices(coding)
        coding.refresh_from_db()
        audit_record(
            actor=user,
            action="coding.submit",
            obj=coding,
            review=coding.case.review,
            data={"version": coding.version},
        )
        # Steps that follow a submission (e.g. disagreement detection) go here,
        # inside the transaction, so a failure leaves the coding unsubmitted.
        # Once both assigned coders have submitted, compare their codings (issue 4);
        # before that it does nothing.
        from coding.adjudication import disagreements_detect

        disagreements_detect(case=coding.case, actor=user)
    return coding


def coding_reopen(*, coding: Coding, user, reason: str = "") -> Coding:
    """Set a submitted coding back to draft (review leads only), audit-logged."""
    review = coding.case.review
    if not is_lead(user, review):
        raise ValidationError("Only a review lead can reopen a coding.")
    with transaction.atomic():
        changed = Coding.objects.filter(pk=coding.pk, status=CodingStatus.SUBMITTED).update(
            status=CodingStatus.DRAFT,
            submitted_at=None,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if not changed:
            raise ValidationError("This coding is a draft already; there is nothing to reopen.")
        coding.refresh_from_db()
        audit_record(
            actor=user,
            action="coding.reopen",
            obj=coding,
            review=review,
            data={"version": coding.version, "coder": coding.coder.username, "reason": reason},
        )
    return coding

