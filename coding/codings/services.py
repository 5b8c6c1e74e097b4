"""Workflow of blind double coding: assignments, drafts, submission, reopening.

Every function here is keyword-only, runs in one transaction and raises
django.core.exceptions.ValidationError with a message a person can act on.
Views call these and nothing else to change codings or assignments.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext

from coding.adjudication.services import case_consensus_refresh
from coding.audit.services import audit_record, audit_record_draft_save
from coding.codings.policies import (
    coding_complete,
    coding_visible_to,
    may_code,
    may_reopen_coding,
)
from coding.locks import case_lock, retry_on_lock_conflict
from coding.models import (
    Attribute,
    AttributeKind,
    Case,
    CodedValue,
    Coding,
    CodingStatus,
    Document,
)
from coding.reliability.services import reliability_changed
from coding.values import (
    BadValue,
    anchors_check,
    anchors_kept,
    bad_value_message,
    text_check,
    value_parse,
    value_store,
)

CONFLICT_MESSAGE = gettext_noop(
    "This coding was saved elsewhere (another tab?) after you opened it, so this change was not "
    "saved. Your text is kept below to copy; reload the page to see the saved version."
)
SUBMITTED_MESSAGE = gettext_noop(
    "This coding has been submitted and is read-only. A review lead can reopen it."
)
NO_SUCH_CODING_MESSAGE = gettext_lazy("There is no such coding.")


class CodingConflict(ValidationError):
    """A save based on a version that is no longer current, or on a submitted coding."""



# --- coding --------------------------------------------------------------------


def coding_start(*, case: Case, user) -> Coding:
    """The user's coding of the case, created (version 0, no values) on first use.

    Only an assigned coder may code a case.
    """
    if not may_code(user, case):
        raise ValidationError(gettext(
            "You are not assigned to case %(number)s.") % {
            "number": case.number})
    codebook = case.review.current_codebook()
    if codebook is None:
        raise ValidationError(gettext("This review has no codebook yet; import one first."))
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
    scratch = CodedValue(attribute=attribute)
    chosen = value_store(scratch, attribute, value)
    return {"text": scratch.text, "number": scratch.number, "boolean": scratch.boolean,
            "options": chosen}


def _is_empty(fields: dict, evidence: str, note: str) -> bool:
    value_empty = (
        not fields.get("options")
        and fields.get("number") is None
        and fields.get("boolean") is None
        and not fields.get("text")
    )
    return value_empty and not evidence and not note


# --- values of a coding: shared with calibration rounds (coding.rounds.services) ----------


def values_clean(*, coding, values: Mapping[str, Mapping[str, Any]]) -> tuple[dict, dict]:
    """Check `values` (as coding_save_draft takes them) against the coding's codebook, before
    anything is written: ({key: Attribute}, {key: (fields, evidence, note, anchors)}).
    `coding` is a Coding or a calibration round's RoundCoding (both have case and codebook)."""
    attributes = {
        a.key: a for a in coding.codebook.attributes.prefetch_related("options")
    }
    unknown = [key for key in values if key not in attributes]
    if unknown:
        raise ValidationError(gettext(
            "Unknown attribute(s) for this codebook: %(unknown)s.") % {
            "unknown": ', '.join(unknown)})
    document_ids = (
        set(Document.objects.filter(case=coding.case_id).values_list("pk", flat=True))
        if any(entry.get("anchors") for entry in values.values()) else set()
    )
    cleaned = {}
    for key, entry in values.items():
        attribute = attributes[key]
        options = {o.key: o for o in attribute.options.all()}
        fields = _clean_value(attribute, entry.get("value"), options)
        evidence = text_check((entry.get("evidence") or "").strip(), limit="evidence",
                              label=gettext("%(attribute)s (evidence quote)") % {
                "attribute": attribute.label})
        note = text_check((entry.get("note") or "").strip(), limit="note",
                          label=gettext("%(attribute)s (note)") % {"attribute": attribute.label})
        # Without "anchors" the stored ones stay, as far as their quotes are still there.
        anchors = None if "anchors" not in entry else anchors_check(
            entry["anchors"], evidence=evidence, document_ids=document_ids,
            label=gettext("%(attribute)s (evidence quote)") % {
                "attribute": attribute.label})
        cleaned[key] = (fields, evidence, note, anchors)
    return attributes, cleaned


def values_write(*, value_model, coding, attributes: dict, cleaned: dict) -> list[str]:
    """Write values_clean's result as rows of `value_model` (CodedValue, RoundValue) of
    `coding`, inside the caller's transaction; the keys whose stored value changed."""
    existing = {
        v.attribute_id: v
        for v in value_model.objects.filter(coding=coding).prefetch_related("options")
    }
    changed_keys = []
    for key, (fields, evidence, note, anchors) in cleaned.items():
        attribute = attributes[key]
        stored = existing.get(attribute.pk)
        if _is_empty(fields, evidence, note):
            if stored is not None:
                stored.delete()
                changed_keys.append(key)
            continue
        if anchors is None:
            anchors = anchors_kept(stored.evidence_anchors if stored else [], evidence)
        row = {
            "text": fields.get("text", ""),
            "number": fields.get("number"),
            "boolean": fields.get("boolean"),
            "evidence": evidence,
            "evidence_anchors": anchors,
            "note": note,
        }
        chosen = {o.pk for o in fields.get("options", [])}
        # Autosave sends the whole form; rows that did not change are not rewritten.
        if stored is not None and chosen == {o.pk for o in stored.options.all()} and all(
            getattr(stored, name) == value for name, value in row.items()
        ):
            continue
        if stored is None:
            stored = value_model(coding=coding, attribute=attribute)
        for name, value in row.items():
            setattr(stored, name, value)
        stored.save()
        if attribute.is_choice:
            stored.options.set(fields["options"])
        changed_keys.append(key)
    return changed_keys


@retry_on_lock_conflict
def coding_save_draft(
    *, coding: Coding, values: Mapping[str, Mapping[str, Any]], expected_version: int, user
) -> Coding:
    """Save a draft: `values` maps attribute keys to {"value", "evidence", "note"} and
    optionally "anchors" (where the evidence quotes are in the case's documents, see
    coding.values.anchors_check; without it the stored anchors of quotes still there stay).

    "value" is an option key (single), a list of option keys (multi), text, a number or
    None, or "yes"/"no"/True/False/None (boolean). Attributes not in `values` keep what
    they hold; an attribute left wholly empty has no stored value ("not coded").
    The save succeeds only if the coding is still at `expected_version` (raises
    CodingConflict otherwise, and writes nothing); the returned coding carries the new
    version.
    """
    if coding.coder_id != user.pk:
        raise ValidationError(gettext("Only the coder who owns a coding can change it."))
    attributes, cleaned = values_clean(coding=coding, values=values)
    with transaction.atomic():
        case_lock(coding.case_id)  # the case first (coding.locks)
        # The compare-and-swap comes first after it, so that of two saves
        # based on the same version exactly one changes the row (also on SQLite).
        now = timezone.now()
        changed = Coding.objects.filter(
            pk=coding.pk, version=expected_version, status=CodingStatus.DRAFT
        ).update(version=F("version") + 1, updated_at=now)
        if not changed:
            current = Coding.objects.get(pk=coding.pk)
            raise CodingConflict(
                gettext(SUBMITTED_MESSAGE if current.is_submitted else CONFLICT_MESSAGE),
                code="conflict",
            )
        changed_keys = values_write(value_model=CodedValue, coding=coding,
                                    attributes=attributes, cleaned=cleaned)
        coding.refresh_from_db()
        audit_record_draft_save(actor=user, coding=coding, attributes=changed_keys)
    return coding


@retry_on_lock_conflict
def coding_start_and_save_draft(
    *, case: Case, user, values: Mapping[str, Mapping[str, Any]], expected_version: int
) -> Coding:
    """coding_start and coding_save_draft in one transaction: the first save creates the
    coding, and a refused first save (a bad value, a conflict) leaves no empty draft behind.
    The coding page and the API both save through it."""
    with transaction.atomic():
        case_lock(case.pk)  # the case first (coding.locks)
        coding = coding_start(case=case, user=user)
        return coding_save_draft(coding=coding, values=values, expected_version=expected_version,
                                 user=user)


def coding_missing_required(*, coding: Coding, value_model=CodedValue) -> list[Attribute]:
    """The required attributes the coding has no value for, in codebook order (`value_model`
    RoundValue for a calibration round's coding)."""
    has_value = (
        ~Q(text="") | Q(number__isnull=False) | Q(boolean__isnull=False) | Q(options__isnull=False)
    )
    answered = set(
        value_model.objects.filter(has_value, coding=coding).values_list("attribute_id", flat=True)
    )
    return [a for a in coding.codebook.attributes.filter(required=True) if a.pk not in answered]


def coding_required_check(*, coding: Coding, value_model=CodedValue) -> None:
    """Refuse a submission that leaves a required attribute without a value, naming them
    (inside the submission's transaction, so the refusal rolls its status change back)."""
    missing = coding_missing_required(coding=coding, value_model=value_model)
    if missing:
        raise ValidationError(
            ngettext("Not submitted: please code the required attribute %(attributes)s.",
                     "Not submitted: please code the required attributes %(attributes)s.",
                     len(missing)) % {"attributes": ", ".join(a.label for a in missing)},
            code="missing",
            params={"missing": [a.key for a in missing]},
        )


def record_unticked_multi_choices(coding: Coding, value_model=CodedValue) -> None:
    """A submitted coding with no box ticked for a multiple-choice attribute means "none of
    these", not "not coded": store it as an empty choice so that reliability and export agree
    with adjudication (an imported empty value means the same). An attribute with a none
    option is left alone: there the coder says "none" by choosing it, and nothing ticked
    stays "not coded"."""
    coded = value_model.objects.filter(coding=coding).values_list("attribute_id", flat=True)
    unticked = coding.codebook.attributes.filter(kind=AttributeKind.MULTI).exclude(
        pk__in=coded).exclude(options__is_none=True)
    value_model.objects.bulk_create(
        value_model(coding=coding, attribute=attribute) for attribute in unticked
    )


@retry_on_lock_conflict
def coding_submit(*, coding: Coding, expected_version: int, user) -> Coding:
    """Submit the coding: checks required attributes, then makes it read-only for the coder."""
    if coding.coder_id != user.pk:
        raise ValidationError(gettext("Only the coder who owns a coding can submit it."))
    with transaction.atomic():
        case_lock(coding.case_id)  # the case first (coding.locks)
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
                gettext(SUBMITTED_MESSAGE if current.is_submitted else CONFLICT_MESSAGE),
                code="conflict",
            )
        coding_required_check(coding=coding)  # raising rolls the status change back
        record_unticked_multi_choices(coding)
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
        from coding.adjudication.services import disagreements_detect

        disagreements_detect(case=coding.case, actor=user)
        # Only a submission that completes its case changes the figures: one before that
        # must not show the other coder's lead "being updated" (blind coding).
        if coding_complete(coding.case):
            reliability_changed(review=coding.case.review_id)
    return coding


@retry_on_lock_conflict
def coding_reopen(*, coding: Coding, user, reason: str = "") -> Coding:
    """Set a submitted coding back to draft (review leads only), audit-logged."""
    review = coding.case.review
    if not may_reopen_coding(user, coding):
        if not coding_visible_to(user, coding):
            # Someone else's draft, or a coding of a case the user is blind on: it does not
            # exist for them, and the refusal must not say otherwise.
            raise ValidationError(NO_SUCH_CODING_MESSAGE, code="not_found")
        if not coding.is_submitted:
            raise ValidationError(gettext(
                "This coding is a draft already; there is nothing to reopen."))
        raise ValidationError(gettext("Only a review lead can reopen a coding."))
    with transaction.atomic():
        case_lock(coding.case_id)  # the case first (coding.locks)
        # Only a complete case counts in the figures, so only its reopening changes them.
        was_complete = coding_complete(coding.case)
        changed = Coding.objects.filter(pk=coding.pk, status=CodingStatus.SUBMITTED).update(
            status=CodingStatus.DRAFT,
            submitted_at=None,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if not changed:
            raise ValidationError(gettext(
                "This coding is a draft already; there is nothing to reopen."))
        coding.refresh_from_db()
        audit_record(
            actor=user,
            action="coding.reopen",
            obj=coding,
            review=review,
            data={"version": coding.version, "coder": coding.coder.username, "reason": reason},
        )
        # A reopened coding takes the case's consensus out of public view (and puts its
        # disagreements on hold) until the coder submits again.
        case_consensus_refresh(case=coding.case)
        if was_complete:
            reliability_changed(review=review)
    return coding

