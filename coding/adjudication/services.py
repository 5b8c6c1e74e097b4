"""Disagreements and adjudication: from two raw codings to one consensus.

When both assigned coders of a case have submitted, `disagreements_detect`
compares their codings attribute by attribute. Values they agree on become
consensus values marked "agreed"; values they differ on become open
disagreements. An adjudicator (who did not code the case) settles each
disagreement with `disagreement_resolve`, choosing coder A's value, coder B's
value or another value, with a rationale. Every change of a consensus value
leaves a ConsensusRevision (who, when, before, after, why) and an audit event;
the coders' raw codings are only ever read here.

Text attributes are never disagreements: the adjudication page shows both
texts side by side, and they get no consensus value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from coding.adjudication.policies import (
    NOT_READY_MESSAGE,
    comment_refusal,
    decide_disagreement_refusal,
    decide_refusal,
    disagreement_ready,
    in_discussion_mode,
    reopen_refusal,
    settle_refusal,
)
from coding.adjudication.selectors import (
    assigned_codings,
    both_submitted,
    values_by_attribute_key,
)
from coding.audit.services import audit_record
from coding.locks import case_lock, retry_on_lock_conflict
from coding.models import (
    Attribute,
    AttributeKind,
    Case,
    CodedValue,
    ConsensusMethod,
    ConsensusRevision,
    ConsensusValue,
    Disagreement,
    DisagreementAcceptance,
    DisagreementComment,
    DisagreementStatus,
    Review,
)
from coding.notifications.services import (
    notify_adjudication_needed,
    notify_discussion_waiting,
)
from coding.public.counts import dashboard_counts_refresh
from coding.public.policies import cases_with_public_consensus_rule, consensus_is_public
from coding.reliability.services import reliability_changed
from coding.reviews.services import review_data_changed
from coding.values import (
    BadValue,
    bad_value_message,
    differing_options,
    stored_value,
    text_check,
    value_display,
    value_is_blank,
    value_json,
    value_parse,
    value_snapshot,
    value_store,
    value_text,
    values_equal,
)

CONFLICT_MESSAGE = gettext_noop(
    "Someone else changed this decision after you opened the page, so your decision was not "
    "saved. Reload the page to see the current decision; your rationale is kept below."
)





# --- values ------------------------------------------------------------------------


def parse_value(attribute: Attribute, raw: Any) -> Any:
    """An adjudicator's "other" value as a comparable value; ValidationError if unusable.

    single: an option key; multi: a list of option keys (may be empty: none chosen);
    number: a number or numeric string; boolean: a bool or yes/no/true/false/1/0.
    """
    label = attribute.label
    if attribute.kind == AttributeKind.TEXT:
        raise ValidationError(gettext(
            "%(label)s: text attributes are not adjudicated.") % {
            "label": label})
    try:
        value = value_parse(attribute, raw, {o.key for o in attribute.options.all()})
    except BadValue as error:
        raise ValidationError(bad_value_message(attribute, error)) from None
    if attribute.kind == AttributeKind.MULTI and not value and attribute.none_option:
        # With a none option, nothing ticked is "not coded", which is no decision.
        raise ValidationError(
            gettext(
                "%(label)s: choose options, or %(none_option)s.") % {
                "label": label, "none_option": repr(attribute.none_option.label)}
        )
    if value is None:
        needed = {
            AttributeKind.SINGLE: "choose one option",
            AttributeKind.NUMBER: "enter a number",
            AttributeKind.BOOLEAN: "answer yes or no",
        }
        raise ValidationError(gettext(
            "%(label)s: %(needed)s.") % {
            "label": label, "needed": needed[attribute.kind]})
    return value


def _joined_evidence(*quotes: str) -> str:
    distinct = list(dict.fromkeys(q.strip() for q in quotes if q and q.strip()))
    return "\n\n".join(distinct)



# --- the case's consensus state ------------------------------------------------------


def case_consensus_refresh(*, case: Case) -> bool:
    """Store whether readers may see the case's consensus (coding.public.policies); every
    service that submits, reopens, decides or reassigns calls it in its transaction. Bumps
    the review's data version when readers' view of the case changes, and its reliability
    version with it (coder drift compares codings with the consensus of public cases)."""
    public = consensus_is_public(case)
    changed = Case.objects.filter(pk=case.pk).exclude(consensus_complete=public).update(
        consensus_complete=public
    )
    case.consensus_complete = public
    # Readers see a case's consensus only while it is public: a change of the flag, or any
    # change to a public case's consensus, changes what they see.
    if changed or public:
        dashboard_counts_refresh([case.pk])  # in this transaction (coding.public.counts)
        review_data_changed(review=case.review_id)
        reliability_changed(review=case.review_id)
    return public


def cases_consensus_refresh(*, cases: QuerySet[Case]) -> None:
    """case_consensus_refresh for many cases at once (large imports), in two statements, and
    a bump of the reliability version of their reviews (a lead's import: the bump tells no
    coder anything)."""
    public = cases_with_public_consensus_rule(cases).values("pk")
    cases.filter(pk__in=public).update(consensus_complete=True)
    cases.exclude(pk__in=public).update(consensus_complete=False)
    dashboard_counts_refresh(cases.values_list("pk", flat=True))
    for review_id in set(cases.values_list("review_id", flat=True).distinct()):
        reliability_changed(review=review_id)


# --- detection ----------------------------------------------------------------------


DIFFER, AGREE, BLANK = "differ", "agree", "blank"
# Consensus someone settled (not detection's own agreement): detection never overwrites it.
DECIDED_METHODS = (ConsensusMethod.ADJUDICATED, ConsensusMethod.DISCUSSION)


@dataclass(frozen=True)
class Comparison:
    """What detection makes of two coders' values of one attribute of a case."""

    outcome: str  # DIFFER, AGREE, or BLANK: neither gave a value, nothing to agree on
    value: Any = None  # the agreed value (AGREE)
    evidence: str = ""  # both coders' evidence quotes, joined (AGREE)
    anchors: tuple = ()  # and where those quotes are in the documents (AGREE)


def values_compare(attribute: Attribute, stored_a, stored_b, a: Any, b: Any) -> Comparison:
    """The detection rule for one attribute, used case by case (`disagreements_detect`) and
    for many fresh cases at once (`bulk.disagreements_detect_many`). `stored_a`/`stored_b`
    are the coders' stored values (anything with `.evidence`; None when not coded), `a`/`b`
    those values (coding.values.stored_value)."""
    if not values_equal(attribute, a, b):
        return Comparison(DIFFER)
    # Both ticking no option of a multiple-choice attribute they both answered is agreement
    # on "none"; neither having answered it is nothing. With a none option, nothing ticked
    # is "not coded" (the explicit none is a value of its own).
    nothing_stored = stored_a is None and stored_b is None
    if value_is_blank(attribute, a) and value_is_blank(attribute, b) and (
        attribute.kind != AttributeKind.MULTI or nothing_stored
        or attribute.none_option is not None
    ):
        return Comparison(BLANK)
    value = a if a is not None else b
    if attribute.kind == AttributeKind.MULTI:
        value = value or frozenset()
    evidence = _joined_evidence(getattr(stored_a, "evidence", ""),
                                getattr(stored_b, "evidence", ""))
    anchors = _joined_anchors(getattr(stored_a, "evidence_anchors", None),
                              getattr(stored_b, "evidence_anchors", None))
    return Comparison(AGREE, value, evidence, anchors)


def _joined_anchors(*lists) -> tuple:
    """Both coders' evidence anchors, each place once."""
    seen, joined = set(), []
    for anchor in (a for anchors in lists for a in anchors or []):
        key = tuple(anchor.get(name) for name in ("document", "page", "start", "end", "exact"))
        if key not in seen:
            seen.add(key)
            joined.append(anchor)
    return tuple(joined)


def detection_audit_data(case: Case, attribute: Attribute, a: Any, b: Any) -> dict:
    """What the audit log keeps of a disagreement found: both values, and for multiple
    choice the options only one coder chose."""
    data = {"case": case.number, "attribute": attribute.key,
            "a": value_json(a), "b": value_json(b)}
    if attribute.kind == AttributeKind.MULTI:
        data["only_a"], data["only_b"] = differing_options(a, b)
    return data


@dataclass
class Detection:
    """What one run of `disagreements_detect` did (attribute keys)."""

    case: Case
    ran: bool = False
    reason: str = ""
    agreed: list[str] = field(default_factory=list)  # agreed consensus created or changed
    opened: list[str] = field(default_factory=list)  # new open disagreements
    kept: list[str] = field(default_factory=list)  # adjudicated decisions left as they were
    withdrawn: list[str] = field(default_factory=list)  # open disagreements the coders no
    # longer have, or agreed values they no longer share


@retry_on_lock_conflict
def disagreements_detect(*, case: Case, actor=None, notify: bool = True) -> Detection:
    """Compare the two assigned coders' submitted codings of `case`.

    Agreed values become (or update) "agreed" consensus values; differing values become
    open disagreements. Running it again changes nothing unless a coding changed.
    Adjudicated decisions are never touched (a lead may have reopened a coding and the
    coder resubmitted it): their disagreement rows only follow the current codings.
    Does nothing (ran=False) until both assigned coders have submitted.
    New disagreements are announced to the adjudicators who may decide the case, unless
    `notify` is False (the caller announces many cases at once).
    """
    result = Detection(case=case)
    with transaction.atomic():
        # Two coders submitting at the same moment: each submit runs this in its own
        # transaction. Locking the case makes the second wait for the first to commit,
        # so that it then sees both codings submitted and the comparison is not missed.
        case_lock(case)
        coding_a, coding_b = assigned_codings(case)
        if not both_submitted(coding_a, coding_b):
            result.reason = "both assigned coders have not submitted yet"
            case_consensus_refresh(case=case)
            return result
        result.ran = True
        attributes = list(
            coding_a.codebook.attributes.exclude(kind=AttributeKind.TEXT).prefetch_related(
                "options"
            )
        )
        values_a = values_by_attribute_key(coding_a)
        values_b = values_by_attribute_key(coding_b)
        consensus = {
            c.attribute_id: c
            for c in ConsensusValue.objects.filter(case=case).prefetch_related("options")
        }
        disagreements = {d.attribute_id: d for d in Disagreement.objects.filter(case=case)}
        now = timezone.now()
        review = case.review
        for attribute in attributes:
            stored_a = values_a.get(attribute.key)
            stored_b = values_b.get(attribute.key)
            a = stored_value(attribute, stored_a)
            b = stored_value(attribute, stored_b)
            current = consensus.get(attribute.pk)
            disagreement = disagreements.get(attribute.pk)
            comparison = values_compare(attribute, stored_a, stored_b, a, b)

            if current is not None and current.method in DECIDED_METHODS:
                if disagreement is not None and (
                    disagreement.coding_a_id, disagreement.coding_b_id
                ) != (coding_a.pk, coding_b.pk):
                    disagreement.coding_a, disagreement.coding_b = coding_a, coding_b
                    disagreement.save(update_fields=["coding_a", "coding_b"])
                result.kept.append(attribute.key)
                continue

            if comparison.outcome == DIFFER:
                if current is not None:
                    _withdraw_agreed(current, attribute, actor=actor, case=case)
                    result.withdrawn.append(attribute.key)
                if disagreement is None:
                    disagreement = Disagreement.objects.create(
                        case=case, attribute=attribute, coding_a=coding_a, coding_b=coding_b
                    )
                    audit_record(
                        actor=actor, action="disagreement.detect", obj=disagreement,
                        review=review, data=detection_audit_data(case, attribute, a, b),
                    )
                    result.opened.append(attribute.key)
                elif (disagreement.coding_a_id, disagreement.coding_b_id, disagreement.status) != (
                    coding_a.pk, coding_b.pk, DisagreementStatus.OPEN
                ):
                    disagreement.coding_a, disagreement.coding_b = coding_a, coding_b
                    disagreement.status, disagreement.resolved_at = DisagreementStatus.OPEN, None
                    disagreement.save(
                        update_fields=["coding_a", "coding_b", "status", "resolved_at"]
                    )
                continue

            # The coders agree (or neither gave a value).
            if disagreement is not None:
                audit_record(
                    actor=actor, action="disagreement.withdraw", obj=disagreement, review=review,
                    data={"case": case.number, "attribute": attribute.key,
                          "reason": "the coders now agree"},
                )
                disagreement.delete()
                result.withdrawn.append(attribute.key)
            if comparison.outcome == BLANK:
                if current is not None:
                    _withdraw_agreed(current, attribute, actor=actor, case=case)
                    result.withdrawn.append(attribute.key)
                continue
            value, evidence = comparison.value, comparison.evidence
            if current is not None and values_equal(
                attribute, stored_value(attribute, current), value
            ) and current.evidence == evidence and (
                current.evidence_anchors == list(comparison.anchors)
            ):
                continue
            _save_agreed(case, attribute, current, value, comparison, now, actor)
            result.agreed.append(attribute.key)
        case_consensus_refresh(case=case)
        if notify and result.opened:
            disagreements_announce(review=review, cases=[case])
    return result


def _save_agreed(case, attribute, current, value, comparison: Comparison, now, actor
                 ) -> ConsensusValue:
    before = value_snapshot(attribute, current, stored_value(attribute, current))
    consensus = current or ConsensusValue(case=case, attribute=attribute)
    options = value_store(consensus, attribute, value)
    consensus.method = ConsensusMethod.AGREED
    consensus.evidence = comparison.evidence
    consensus.evidence_anchors = list(comparison.anchors)
    consensus.decided_by = None
    consensus.decided_at = now
    consensus.rationale = ""
    consensus.version = (current.version + 1) if current else 1
    consensus.save()
    if attribute.is_choice:
        consensus.options.set(options)
    after = value_snapshot(attribute, consensus, value)
    ConsensusRevision.objects.create(
        consensus=consensus, changed_by=None, method=ConsensusMethod.AGREED,
        before=before, after=after, rationale="Both coders chose this value.",
    )
    audit_record(
        actor=actor, action="consensus.agree", obj=consensus, review=case.review,
        data={"case": case.number, "attribute": attribute.key, "before": before, "after": after},
    )
    return consensus


def _withdraw_agreed(consensus: ConsensusValue, attribute: Attribute, *, actor, case) -> None:
    """An agreed value the coders no longer share (a coding was reopened and changed)."""
    audit_record(
        actor=actor, action="consensus.withdraw", obj=consensus, review=case.review,
        data={
            "case": case.number, "attribute": attribute.key,
            "before": value_snapshot(attribute, consensus, stored_value(attribute, consensus)),
            "reason": "the coders no longer agree",
        },
    )
    consensus.delete()


# --- adjudication -------------------------------------------------------------------


def _refuse(refusal: tuple[str, str] | None) -> None:
    if refusal is not None:
        code, message = refusal
        raise ValidationError(message, code=code)


def _refuse_unless_ready(disagreement: Disagreement) -> None:
    if not disagreement_ready(disagreement):
        raise ValidationError(gettext(NOT_READY_MESSAGE), code="not_ready")


def _locked(disagreement: Disagreement) -> Disagreement:
    """The disagreement, locked after its case (coding.locks: the case first)."""
    case_lock(disagreement.case_id)
    return (
        # Only the disagreement's row: not the case again, nor the review, codings and users
        # it joins (the review's row, locked FOR UPDATE, made every audit event wait).
        Disagreement.objects.select_for_update(of=("self",))
        .select_related("case__review", "attribute", "coding_a__coder", "coding_b__coder")
        .get(pk=disagreement.pk)
    )


def _current_consensus(disagreement: Disagreement) -> ConsensusValue | None:
    return (
        ConsensusValue.objects.filter(case=disagreement.case, attribute=disagreement.attribute)
        .prefetch_related("options")
        .first()
    )


def consensus_version(disagreement: Disagreement) -> int:
    """The version a decision form must send back (0: no decision yet)."""
    current = _current_consensus(disagreement)
    return current.version if current else 0


def _consensus_decide(
    disagreement: Disagreement, attribute: Attribute, current: ConsensusValue | None, *,
    user, method: str, value: Any, evidence: str, anchors: list, rationale: str,
    after_extra: dict, action: str,
) -> ConsensusValue:
    """Write a decided consensus value (adjudicated, or agreed after discussion) for a locked
    disagreement: the value, a revision with before/after, the disagreement resolved, an
    audit event and the case's consensus state. The caller holds the disagreement's lock."""
    case = disagreement.case
    before = value_snapshot(attribute, current, stored_value(attribute, current))
    consensus = current or ConsensusValue(case=case, attribute=attribute)
    options = value_store(consensus, attribute, value)
    consensus.method = method
    consensus.evidence = evidence
    consensus.evidence_anchors = anchors
    consensus.note = ""
    consensus.decided_by = user
    consensus.decided_at = timezone.now()
    consensus.rationale = rationale
    consensus.version = (current.version + 1) if current else 1
    try:
        with transaction.atomic():
            consensus.save()
    except IntegrityError:
        # Another adjudicator created the value between our read and write.
        raise ValidationError(gettext(CONFLICT_MESSAGE), code="conflict") from None
    if attribute.is_choice:
        consensus.options.set(options)
    after = {**value_snapshot(attribute, consensus, value), **after_extra}
    ConsensusRevision.objects.create(
        consensus=consensus, changed_by=user, method=method,
        before=before, after=after, rationale=rationale,
    )
    disagreement.status = DisagreementStatus.RESOLVED
    disagreement.resolved_at = consensus.decided_at
    disagreement.save(update_fields=["status", "resolved_at"])
    audit_record(
        actor=user, action=action, obj=consensus, review=case.review,
        data={
            "case": case.number, "attribute": attribute.key, **after_extra,
            "before": before, "after": after, "rationale": rationale,
            "version": consensus.version,
        },
    )
    case_consensus_refresh(case=case)
    return consensus


@retry_on_lock_conflict
def disagreement_resolve(
    *,
    disagreement: Disagreement,
    user,
    choice: str,
    value: Any = None,
    rationale: str,
    expected_version: int,
    evidence: str = "",
) -> ConsensusValue:
    """Decide a disagreement: choice "a" (coder A's value), "b" (coder B's) or "other"
    (`value`, see parse_value). Writes the consensus value (method adjudicated, who,
    when, why) and a revision with before/after; a decided disagreement may be decided
    again (the history keeps every version). The raw codings are not touched.

    `expected_version` is the consensus version the adjudicator saw (0: none); if it
    changed meanwhile, nothing is saved.
    """
    rationale = (rationale or "").strip()
    if choice not in ("a", "b", "other"):
        raise ValidationError(gettext("Choose coder A's value, coder B's value or another value."))
    if not rationale:
        raise ValidationError(gettext(
            "Give a rationale: why is this the right value?"), code="rationale")
    text_check(rationale, label=gettext("Rationale"), limit="rationale")
    text_check((evidence or "").strip(), label=gettext("Evidence quote"), limit="evidence")
    case = disagreement.case
    _refuse(decide_refusal(user, case))
    with transaction.atomic():
        disagreement = _locked(disagreement)
        _refuse_unless_ready(disagreement)
        # Read under the lock: a coder may have escalated it a moment ago.
        _refuse(decide_disagreement_refusal(user, disagreement))
        attribute = (
            Attribute.objects.prefetch_related("options").get(pk=disagreement.attribute_id)
        )
        current = _current_consensus(disagreement)
        if (current.version if current else 0) != expected_version:
            raise ValidationError(gettext(CONFLICT_MESSAGE), code="conflict")
        if choice == "other":
            new_value = parse_value(attribute, value)
            new_evidence = (evidence or "").strip()
            new_anchors = []
        else:
            coding = disagreement.coding_a if choice == "a" else disagreement.coding_b
            if not coding.is_submitted:
                raise ValidationError(
                    gettext(
                        "%(coder)s's coding has been reopened; decide once it is submitted "
                        "again.") % {
                        "coder": coding.coder.get_full_name() or coding.coder.username}
                )
            stored = (
                CodedValue.objects.filter(coding=coding, attribute=attribute)
                .prefetch_related("options")
                .first()
            )
            new_value = stored_value(attribute, stored)
            if attribute.kind == AttributeKind.MULTI:
                new_value = new_value or frozenset()
            new_evidence = stored.evidence if stored else ""
            new_anchors = stored.evidence_anchors if stored else []
        consensus = _consensus_decide(
            disagreement, attribute, current, user=user, method=ConsensusMethod.ADJUDICATED,
            value=new_value, evidence=new_evidence, anchors=new_anchors, rationale=rationale,
            after_extra={"choice": choice}, action="consensus.adjudicate",
        )
    return consensus


@retry_on_lock_conflict
def disagreement_reopen(
    *, disagreement: Disagreement, user, reason: str, expected_version: int
) -> Disagreement:
    """Open a decided disagreement again (adjudicators and leads who did not code the case).

    The consensus value keeps its last decision and its history until it is decided
    again; the case counts as having an open disagreement meanwhile.
    """
    reason = (reason or "").strip()
    case = disagreement.case
    review = case.review
    _refuse(reopen_refusal(user, case))
    if not reason:
        raise ValidationError(gettext("Say why the decision is reopened."), code="rationale")
    text_check(reason, label=gettext("Reason"), limit="rationale")
    with transaction.atomic():
        disagreement = _locked(disagreement)
        _refuse_unless_ready(disagreement)
        if disagreement.status != DisagreementStatus.RESOLVED:
            raise ValidationError(gettext("This disagreement is open already."))
        current = _current_consensus(disagreement)
        if (current.version if current else 0) != expected_version:
            raise ValidationError(gettext(CONFLICT_MESSAGE), code="conflict")
        disagreement.status = DisagreementStatus.OPEN
        disagreement.resolved_at = None
        disagreement.save(update_fields=["status", "resolved_at"])
        # Acceptances led to the decision being reopened; the coders agree afresh.
        DisagreementAcceptance.objects.filter(disagreement=disagreement).delete()
        audit_record(
            actor=user, action="disagreement.reopen", obj=disagreement, review=review,
            data={
                "case": case.number, "attribute": disagreement.attribute.key, "reason": reason,
                "consensus_version": current.version if current else 0,
            },
        )
        case_consensus_refresh(case=case)
    return disagreement




# --- discussion (coding.adjudication.policies: who comments, proposes, accepts, escalates) --


def _person(user) -> str:
    if user is None:
        return "(removed account)"
    return user.get_full_name() or user.username


def thread_text(disagreement: Disagreement) -> str:
    """The thread as plain text, one line per message: the rationale of a value agreed after
    discussion, and what the adjudicator reads."""
    attribute = disagreement.attribute
    lines = []
    for comment in disagreement.comments.select_related("author").order_by("created_at", "id"):
        said = comment.body.strip()
        if comment.is_proposal:
            shown = value_text(value_display(attribute, _proposal_value(attribute, comment)))
            said = f"proposes {shown}" + (f": {said}" if said else "")
        lines.append(f"{_person(comment.author)}: {said}")
    return "\n".join(lines)


def _proposal_value(attribute: Attribute, comment: DisagreementComment) -> Any:
    """A stored proposal as a comparable value (its JSON was parsed when it was made)."""
    value = value_parse(attribute, comment.proposal, {o.key for o in attribute.options.all()})
    if attribute.kind == AttributeKind.MULTI:
        value = frozenset(value or ())
    return value


def _body(body: str, *, required: bool) -> str:
    body = (body or "").strip()
    if required and not body:
        raise ValidationError(gettext("Write a comment first."), code="body")
    return text_check(body, label=gettext("Comment"), limit="rationale").strip() if body else ""


def _locked_for_discussion(disagreement: Disagreement) -> Disagreement:
    locked = _locked(disagreement)
    locked.case.review = disagreement.case.review
    return locked


@retry_on_lock_conflict
def disagreement_comment(*, disagreement: Disagreement, user, body: str) -> DisagreementComment:
    """Add a comment to the disagreement's thread (coding.adjudication.policies.comment_refusal:
    its two coders in discussion mode, adjudicators and leads in both modes)."""
    body = _body(body, required=True)
    with transaction.atomic():
        disagreement = _locked_for_discussion(disagreement)
        _refuse(comment_refusal(user, disagreement))
        comment = DisagreementComment.objects.create(
            disagreement=disagreement, author=user, body=body
        )
        audit_record(
            actor=user, action="discussion.comment", obj=disagreement,
            review=disagreement.case.review,
            data={"case": disagreement.case.number, "attribute": disagreement.attribute.key,
                  "comment": comment.pk, "body": body},
        )
    return comment


@dataclass
class Settlement:
    """What a proposal or an acceptance led to."""

    comment: DisagreementComment | None
    consensus: ConsensusValue | None = None  # set when both coders now accept one value


@retry_on_lock_conflict
def disagreement_propose(
    *, disagreement: Disagreement, user, value: Any, body: str = ""
) -> Settlement:
    """One of the two coders proposes a value (see parse_value), with an optional comment.
    The proposer accepts their own proposal; if the other coder accepts an equal value
    already, it becomes consensus "agreed after discussion" at once."""
    body = _body(body, required=False)
    with transaction.atomic():
        disagreement = _locked_for_discussion(disagreement)
        _refuse(settle_refusal(user, disagreement))
        attribute = Attribute.objects.prefetch_related("options").get(
            pk=disagreement.attribute_id
        )
        parsed = parse_value(attribute, value)
        comment = DisagreementComment.objects.create(
            disagreement=disagreement, author=user, body=body, proposal=value_json(parsed)
        )
        DisagreementAcceptance.objects.update_or_create(
            disagreement=disagreement, coder=user, defaults={"proposal": comment}
        )
        audit_record(
            actor=user, action="discussion.propose", obj=disagreement,
            review=disagreement.case.review,
            data={"case": disagreement.case.number, "attribute": attribute.key,
                  "comment": comment.pk, "value": value_json(parsed), "body": body},
        )
        consensus = _agree_if_both_accept(disagreement, attribute, user=user)
    return Settlement(comment=comment, consensus=consensus)


@retry_on_lock_conflict
def disagreement_accept(*, disagreement: Disagreement, user, proposal: int) -> Settlement:
    """One of the two coders accepts a proposal of the thread (`proposal`: its id). When both
    coders accept equal values, that value becomes consensus "agreed after discussion", with
    the thread as its rationale."""
    with transaction.atomic():
        disagreement = _locked_for_discussion(disagreement)
        _refuse(settle_refusal(user, disagreement))
        comment = DisagreementComment.objects.filter(
            disagreement=disagreement, pk=proposal, proposal__isnull=False
        ).first()
        if comment is None:
            raise ValidationError(
                gettext("There is no such proposal in this disagreement's thread."), code="proposal"
            )
        attribute = Attribute.objects.prefetch_related("options").get(
            pk=disagreement.attribute_id
        )
        DisagreementAcceptance.objects.update_or_create(
            disagreement=disagreement, coder=user, defaults={"proposal": comment}
        )
        audit_record(
            actor=user, action="discussion.accept", obj=disagreement,
            review=disagreement.case.review,
            data={"case": disagreement.case.number, "attribute": attribute.key,
                  "comment": comment.pk, "value": comment.proposal},
        )
        consensus = _agree_if_both_accept(disagreement, attribute, user=user)
    return Settlement(comment=comment, consensus=consensus)


def _agree_if_both_accept(disagreement: Disagreement, attribute: Attribute, *, user
                          ) -> ConsensusValue | None:
    """With the disagreement locked: if both coders accept equal values, decide it."""
    coders = {disagreement.coding_a.coder_id, disagreement.coding_b.coder_id}
    accepted = list(
        DisagreementAcceptance.objects.filter(disagreement=disagreement, coder_id__in=coders)
        .select_related("proposal")
    )
    if len(accepted) != 2:
        return None
    first, second = (_proposal_value(attribute, a.proposal) for a in accepted)
    if not values_equal(attribute, first, second):
        return None
    # The evidence of the coder whose value it is, if it is one of theirs.
    evidence, anchors = "", []
    for coding in (disagreement.coding_a, disagreement.coding_b):
        stored = (
            CodedValue.objects.filter(coding=coding, attribute=attribute)
            .prefetch_related("options").first()
        )
        if values_equal(attribute, stored_value(attribute, stored), first) and stored:
            evidence, anchors = stored.evidence, stored.evidence_anchors
            break
    return _consensus_decide(
        disagreement, attribute, _current_consensus(disagreement), user=user,
        method=ConsensusMethod.DISCUSSION, value=first, evidence=evidence, anchors=anchors,
        rationale=thread_text(disagreement) or "Both coders accepted this value.",
        after_extra={"agreed_by": sorted(_person(a.coder) for a in accepted)},
        action="consensus.discuss",
    )


@retry_on_lock_conflict
def disagreement_escalate(*, disagreement: Disagreement, user, body: str = "") -> Disagreement:
    """One of the two coders hands the disagreement to an adjudicator (with an optional
    comment); the adjudicator then decides it, seeing the thread."""
    body = _body(body, required=False)
    with transaction.atomic():
        disagreement = _locked_for_discussion(disagreement)
        _refuse(settle_refusal(user, disagreement))
        if body:
            DisagreementComment.objects.create(disagreement=disagreement, author=user, body=body)
        disagreement.escalated_at = timezone.now()
        disagreement.escalated_by = user
        disagreement.save(update_fields=["escalated_at", "escalated_by"])
        audit_record(
            actor=user, action="discussion.escalate", obj=disagreement,
            review=disagreement.case.review,
            data={"case": disagreement.case.number, "attribute": disagreement.attribute.key,
                  "body": body},
        )
        notify_adjudication_needed(review=disagreement.case.review,
                                   case_ids=[disagreement.case_id])
    return disagreement


# --- notification call points ------------------------------------------------------
# The notifications package (coding.notifications) is wired here at merge time; until then
# these say who is to be told what, and tell nobody.


def disagreements_announce(*, review: Review, cases: list[Case]) -> None:
    """Tell who acts next that `cases` (of `review`) have new disagreements, in the
    detection's transaction: in discussion mode their two coders ("waiting for your
    discussion"; both have submitted, so it reveals nothing blind), otherwise the adjudicators
    who may decide them. A few queries however many cases (a large import announces all of
    its new disagreements at once)."""
    if not cases:
        return
    case_ids = [case.pk for case in cases]
    if in_discussion_mode(review):
        notify_discussion_waiting(
            review=review, coders_by_case=discussion_waiting_for(review=review,
                                                                 case_ids=case_ids))
        return
    notify_adjudication_needed(review=review, case_ids=case_ids)


def discussion_waiting_for(*, review: Review, case_ids) -> dict[int, list[int]]:
    """Who is to hear "disagreement waiting for your discussion" once detection opened
    disagreements of the cases `case_ids` in a discussion-mode review: case id -> its two
    coders' ids, in one query ({} in adjudicator mode). Called by disagreements_detect after
    both coders submitted, so it reveals nothing blind."""
    if not in_discussion_mode(review):
        return {}
    coders: dict[int, set[int]] = {}
    for case_id, a, b in Disagreement.objects.filter(
        case_id__in=case_ids, case__review=review, status=DisagreementStatus.OPEN
    ).values_list("case_id", "coding_a__coder_id", "coding_b__coder_id"):
        coders.setdefault(case_id, set()).update((a, b))
    return {case_id: sorted(ids) for case_id, ids in coders.items()}
