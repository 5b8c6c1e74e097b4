"""Calibration rounds: creating one, coding its cases (drafts, submit), its completion, and
the lead's choice to use a complete round's codings as the review's codings.

Keyword-only, one transaction each, ValidationError with a message a person can act on, an
audit event per change. Round codings live in their own tables: until promoted they count
nowhere but in their round (no queue, progress, detection, consensus, reliability or export
of the review reads them).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from coding.assignments.services import assignment_set
from coding.audit.services import audit_record
from coding.codings.services import (
    CONFLICT_MESSAGE,
    CodingConflict,
    coding_required_check,
    record_unticked_multi_choices,
    values_clean,
    values_write,
)
from coding.locks import cases_lock
from coding.models import (
    Assignment,
    Case,
    CodedValue,
    Coding,
    CodingStatus,
    Membership,
    Review,
    Round,
    RoundCoding,
    RoundStatus,
    RoundValue,
)
from coding.notifications.services import notify_round_complete
from coding.reliability.services import reliability_changed
from coding.reviews.services import review_data_changed
from coding.rounds.policies import (
    MIN_ROUND_CODERS,
    is_round_coder,
    may_code_round_case,
    may_manage_rounds,
    may_promote_round,
    round_cases_complete,
    round_coder_candidates,
    round_short_of_coders,
)
from coding.values import text_check

ROUND_SUBMITTED_MESSAGE = gettext_noop(
    "This round coding has been submitted and is read-only: a round compares first answers."
)
LEFT_ROUND_MESSAGE = "You no longer code in this round."


def round_create(*, review: Review, title: str, cases: Sequence[Case], coders: Sequence,
                 user) -> Round:
    """A new round under the review's current codebook: every one of `coders` codes every one
    of `cases`."""
    if not may_manage_rounds(user, review):
        raise ValidationError(gettext("Only a review lead can create a calibration round."))
    title = text_check((title or "").strip(), label=gettext("Title"), limit="case_title")
    if not title:
        raise ValidationError(gettext("Give the round a title, e.g. “Pilot 1: first ten cases”."))
    if len(title) > Round._meta.get_field("title").max_length:
        raise ValidationError(gettext("Title: at most 200 characters."))
    codebook = review.current_codebook()
    if codebook is None:
        raise ValidationError(gettext("This review has no codebook yet; import one first."))
    cases = list({c.pk: c for c in cases}.values())
    if not cases:
        raise ValidationError(gettext("Choose at least one case for the round."))
    if any(c.review_id != review.pk for c in cases):
        raise ValidationError(gettext("Every case of a round must belong to this review."))
    coders = list({c.pk: c for c in coders}.values())
    if len(coders) < MIN_ROUND_CODERS:
        raise ValidationError(gettext(
            "Choose at least two coders: a round compares their codings."))
    members = set(Membership.objects.filter(review=review, user__in=coders)
                  .values_list("user_id", flat=True))
    outsiders = [c.username for c in coders if c.pk not in members]
    if outsiders:
        raise ValidationError(gettext(
            "Not members of this review: %(outsiders)s.") % {
            "outsiders": ', '.join(outsiders)})
    allowed = set(round_coder_candidates(review).filter(pk__in=[c.pk for c in coders])
                  .values_list("pk", flat=True))
    not_coders = sorted(c.username for c in coders if c.pk not in allowed)
    if not_coders:
        raise ValidationError(
            gettext(
                "Not coders of this review: %(not_coders)s. Round coders are the review's "
                "coders; give them the coder role on the Members page first.") % {
                "not_coders": ', '.join(not_coders)})
    try:
        with transaction.atomic():
            number = (Round.objects.filter(review=review).aggregate(n=Max("number"))["n"]
                      or 0) + 1
            round_ = Round.objects.create(review=review, number=number, title=title,
                                          codebook=codebook, created_by=user)
            round_.cases.set(cases)
            round_.coders.set(coders)
            audit_record(actor=user, action="round.create", obj=round_, review=review, data={
                "number": number, "title": title, "codebook_version": codebook.version,
                "cases": [c.number for c in cases], "coders": sorted(c.username for c in coders),
            })
    except IntegrityError:
        # Two leads created a round at the same moment and got the same number.
        raise ValidationError(gettext(
            "Another round was created at the same time; please try again.")
                              ) from None
    return round_


def round_coding_start(*, round_: Round, case: Case, user) -> RoundCoding:
    """The user's coding of `case` in the round, created (version 0, no values) on first use."""
    existing = RoundCoding.objects.filter(round=round_, case=case, coder=user).first()
    if existing is not None:
        return existing
    if not may_code_round_case(user, round_, case):
        if round_.is_complete:
            raise ValidationError(gettext("This round is complete; its codings are read-only."))
        raise ValidationError(gettext(
            "You do not code case %(number)s in this round.") % {
            "number": case.number})
    coding, _ = RoundCoding.objects.get_or_create(
        round=round_, case=case, coder=user, defaults={"codebook": round_.codebook, "version": 0}
    )
    return coding


def _swap(coding: RoundCoding, expected_version: int, **changes) -> None:
    """Compare-and-swap on the coding's version (first in the transaction), as for codings."""
    changed = RoundCoding.objects.filter(
        pk=coding.pk, version=expected_version, status=CodingStatus.DRAFT
    ).update(version=F("version") + 1, **changes)
    if not changed:
        current = RoundCoding.objects.get(pk=coding.pk)
        raise CodingConflict(
            gettext(ROUND_SUBMITTED_MESSAGE if current.is_submitted else CONFLICT_MESSAGE),
            code="conflict",
        )


def round_coding_save_draft(*, coding: RoundCoding, values: Mapping[str, Mapping[str, Any]],
                            expected_version: int, user) -> RoundCoding:
    """Save a draft of a round coding; `values` and the version check as coding_save_draft
    (the same validation: coding.codings.services.values_clean). Drafts are not audited one
    by one: the round's audit trail is its creation, each submission and its completion."""
    if coding.coder_id != user.pk:
        raise ValidationError(gettext("Only the coder who owns a coding can change it."))
    _check_still_coding(coding)
    attributes, cleaned = values_clean(coding=coding, values=values)
    with transaction.atomic():
        _swap(coding, expected_version, updated_at=timezone.now())
        values_write(value_model=RoundValue, coding=coding, attributes=attributes,
                     cleaned=cleaned)
        coding.refresh_from_db()
    return coding


def round_coding_start_and_save_draft(
    *, round_: Round, case: Case, user, values: Mapping[str, Mapping[str, Any]],
    expected_version: int,
) -> RoundCoding:
    """round_coding_start and round_coding_save_draft in one transaction (as
    coding.codings.services.coding_start_and_save_draft): a refused first save leaves no
    empty round coding behind."""
    with transaction.atomic():
        coding = round_coding_start(round_=round_, case=case, user=user)
        return round_coding_save_draft(coding=coding, values=values, user=user,
                                       expected_version=expected_version)


def round_coding_submit(*, coding: RoundCoding, expected_version: int, user) -> RoundCoding:
    """Submit a round coding (required attributes checked as for codings); the round is
    complete once every coder of it has submitted every case."""
    if coding.coder_id != user.pk:
        raise ValidationError(gettext("Only the coder who owns a coding can submit it."))
    round_ = coding.round
    with transaction.atomic():
        # Submissions of one round take turns: two last submissions at once would each miss
        # the other's (uncommitted) one, and the round would never be marked complete. A
        # coder leaving the round takes the same turn (round_coder_leave).
        Round.objects.select_for_update().filter(pk=round_.pk).first()
        _check_still_coding(coding)
        now = timezone.now()
        _swap(coding, expected_version, status=CodingStatus.SUBMITTED, submitted_at=now,
              updated_at=now)
        coding_required_check(coding=coding, value_model=RoundValue)
        record_unticked_multi_choices(coding, value_model=RoundValue)
        coding.refresh_from_db()
        audit_record(actor=user, action="round_coding.submit", obj=coding, review=round_.review,
                     data={"round": round_.number, "case": coding.case.number,
                           "version": coding.version})
        _complete_if_done(round_, user)
    return coding


def _check_still_coding(coding: RoundCoding) -> None:
    """Someone who left the round (round_coder_leave) keeps their round codings but no
    longer changes them: the round no longer waits for them nor counts them."""
    if not coding.round.is_complete and not is_round_coder(coding.coder, coding.round):
        raise ValidationError(LEFT_ROUND_MESSAGE)


def _complete_if_done(round_: Round, user) -> None:
    if round_short_of_coders(round_):
        return  # nobody to compare: the round page says so
    n_cases = round_.cases.count()
    if round_cases_complete(round_).count() != n_cases:
        return
    changed = Round.objects.filter(pk=round_.pk, status=RoundStatus.OPEN).update(
        status=RoundStatus.COMPLETE, completed_at=timezone.now())
    if changed:
        round_.refresh_from_db()
        audit_record(actor=user, action="round.complete", obj=round_, review=round_.review,
                     data={"number": round_.number, "cases": n_cases,
                           "coders": round_.coders.count()})
        # Everyone has submitted everything: telling them reveals nothing blind.
        told = {*round_.coders.values_list("pk", flat=True), round_.created_by_id} - {None}
        notify_round_complete(
            review=round_.review, users=sorted(told), title=round_.title,
            url=reverse("coding:round_detail", args=[round_.review.slug, round_.number]),
        )


def round_coder_leave(*, review: Review, user, actor) -> list[Round]:
    """End `user`'s place in the review's open rounds once they may no longer code in rounds
    (they left the review or lost the coder role; coding.members.services calls this after
    every membership change). Their round codings stay, drafts too, but the round no longer
    waits for them nor counts them in its results; a round whose remaining coders have all
    submitted every case completes now. Complete rounds keep their coders: their results do
    not change afterwards. Returns the rounds left."""
    if round_coder_candidates(review).filter(pk=user.pk).exists():
        return []
    with transaction.atomic():
        left = list(Round.objects.select_for_update()
                    .filter(review=review, status=RoundStatus.OPEN, coders=user)
                    .order_by("number"))
        for round_ in left:
            round_.coders.remove(user)
            # Only who left: how far they had got is per-coder progress, which the round's
            # other coders (a lead among them reads this log) do not see while it is open.
            audit_record(actor=actor, action="round.coder_leave", obj=round_, review=review,
                         data={"number": round_.number, "coder": user.username})
            _complete_if_done(round_, actor)
    return left


def round_promote(*, round_: Round, user, coders: Sequence = ()) -> dict[str, list[str]]:
    """Use a complete round's codings as the review's codings of its cases: for each case, the
    round codings of its two assigned coders (or, for a case nobody is assigned to yet, of
    `coders`, the two the lead picked, who are then assigned) become submitted codings, and
    detection compares them as if they had been coded outside the round (agreed values become
    consensus, the rest go to adjudication). A case whose coder already has a coding of it in
    the review is left as it is. Returns {"promoted": [...], "skipped": ["3: why", ...]}."""
    if not may_promote_round(user, round_):
        if not may_manage_rounds(user, round_.review):
            raise ValidationError(gettext(
                "Only a review lead can use a round's codings for the review."))
        if not round_.is_complete:
            raise ValidationError(gettext("The round is not complete yet: every coder has to "
                                          "submit every case first."))
        raise ValidationError(gettext("This round's codings are in use for the review already."))
    review = round_.review
    if review.current_codebook() != round_.codebook:
        raise ValidationError(
            gettext(
                "The codebook has a newer version than the round's (version %(version)s); "
                "codings of an older version cannot become the review's codings. Open a new "
                "round under the current codebook instead.") % {
                "version": round_.codebook.version})
    picked = list(coders)
    round_coder_ids = set(round_.coders.values_list("pk", flat=True))
    if picked:
        if len({c.pk for c in picked}) != 2:
            raise ValidationError(gettext("Pick two different coders of the round."))
        if any(c.pk not in round_coder_ids for c in picked):
            raise ValidationError(gettext("Pick two coders who coded in this round."))
    from coding.adjudication.services import disagreements_detect

    promoted, skipped = [], []
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.promoted_at is not None:
            raise ValidationError(gettext(
                "This round's codings are in use for the review already."))
        cases_lock(round_.cases.all())  # in id order, before any case's write (coding.locks)
        for case in round_.cases.select_related("review").order_by("sort_key", "number"):
            assigned = list(Assignment.objects.filter(case=case).select_related("coder")
                            .order_by("assigned_at", "pk"))
            if len(assigned) == 2:
                pair = [a.coder for a in assigned]
            elif not assigned and picked:
                pair = picked
            elif not assigned:
                skipped.append(f"{case.number}: nobody is assigned to it; pick two coders")
                continue
            else:
                skipped.append(f"{case.number}: it has one assigned coder, not two")
                continue
            if any(c.pk not in round_coder_ids for c in pair):
                skipped.append(f"{case.number}: its assigned coders did not both code it in "
                               "this round")
                continue
            if user.pk in {c.pk for c in pair}:
                # Whether the other coder has started it in the review is hidden from a lead
                # who codes the case (blind coding): say only what the lead knows.
                skipped.append(gettext("%(number)s: you code it in the review; another lead "
                                       "can promote it") % {"number": case.number})
                continue
            if Coding.objects.filter(case=case, coder__in=pair).exists():
                skipped.append(f"{case.number}: it is being coded in the review already")
                continue
            if not assigned:
                assignment_set(case=case, coders=pair, assigned_by=user)
            for coder in pair:
                _copy_to_review(
                    RoundCoding.objects.get(round=round_, case=case, coder=coder), user)
            disagreements_detect(case=case, actor=user)
            promoted.append(case.number)
        now = timezone.now()
        Round.objects.filter(pk=round_.pk).update(promoted_at=now, promoted_by=user)
        round_.refresh_from_db()
        audit_record(actor=user, action="round.promote", obj=round_, review=review,
                     data={"number": round_.number, "promoted": promoted, "skipped": skipped})
        if promoted:
            reliability_changed(review=review)
            review_data_changed(review=review)
    return {"promoted": promoted, "skipped": skipped}


def _copy_to_review(source: RoundCoding, user) -> Coding:
    """A submitted coding of the review with the round coding's values."""
    coding = Coding.objects.create(
        case=source.case, coder=source.coder, codebook=source.codebook,
        status=CodingStatus.SUBMITTED, submitted_at=source.submitted_at, version=1,
    )
    fields = ["text", "number", "boolean", "evidence", "evidence_anchors", "note"]
    for value in RoundValue.objects.filter(coding=source).prefetch_related("options"):
        copy = CodedValue.objects.create(
            coding=coding, attribute_id=value.attribute_id,
            **{name: getattr(value, name) for name in fields})
        copy.options.set(value.options.all())
    audit_record(actor=user, action="coding.from_round", obj=coding,
                 review=source.case.review,
                 data={"version": 1, "round": source.round.number,
                       "coder": source.coder.username})
    return coding
