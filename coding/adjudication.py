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
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from coding.access import is_adjudicator, is_lead
from coding.audit import audit_record
from coding.models import (
    Assignment,
    Attribute,
    AttributeKind,
    AuditEvent,
    Case,
    CodedValue,
    Coding,
    CodingStatus,
    ConsensusMethod,
    ConsensusRevision,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Option,
)
from coding.values import BadValue, bad_value_message, value_parse

CONFLICT_MESSAGE = (
    "Someone else changed this decision after you opened the page, so your decision was not "
    "saved. Reload the page to see the current decision; your rationale is kept below."
)
OWN_CASE_MESSAGE = (
    "You coded this case, so you cannot adjudicate it: an adjudicator does not adjudicate a "
    "case they coded."
)



# --- values -----------------------------------------------------------------------


def stored_value(attribute: Attribute, stored) -> Any:
    """The comparable value of a CodedValue or ConsensusValue (options prefetched).

    single: option key or None; multi: frozenset of option keys (None when nothing is
    stored); number: float or None; boolean: bool or None; text: str or None.
    """
    if stored is None:
        return None
    kind = attribute.kind
    if kind == AttributeKind.SINGLE:
        keys = [o.key for o in stored.options.all()]
        return keys[0] if keys else None
    if kind == AttributeKind.MULTI:
        return frozenset(o.key for o in stored.options.all())
    if kind == AttributeKind.NUMBER:
        return stored.number
    if kind == AttributeKind.BOOLEAN:
        return stored.boolean
    return stored.text or None


def _same(attribute: Attribute, a: Any, b: Any) -> bool:
    if attribute.kind == AttributeKind.MULTI:
        # A multiple-choice attribute with nothing ticked is saved as no value at all.
        return (a or frozenset()) == (b or frozenset())
    return a == b


def _is_blank(attribute: Attribute, value: Any) -> bool:
    return value is None or (attribute.kind == AttributeKind.MULTI and not value)


def value_json(value: Any) -> Any:
    """A comparable value as JSON (sorted list for sets)."""
    if isinstance(value, frozenset):
        return sorted(value)
    return value


def differing_options(a: Any, b: Any) -> tuple[list[str], list[str]]:
    """For multiple choice: (chosen only by A, chosen only by B), option keys sorted."""
    a, b = a or frozenset(), b or frozenset()
    return sorted(a - b), sorted(b - a)


def parse_value(attribute: Attribute, raw: Any) -> Any:
    """An adjudicator's "other" value as a comparable value; ValidationError if unusable.

    single: an option key; multi: a list of option keys (may be empty: none chosen);
    number: a number or numeric string; boolean: a bool or yes/no/true/false/1/0.
    """
    label = attribute.label
    if attribute.kind == AttributeKind.TEXT:
        raise ValidationError(f"{label}: text attributes are not adjudicated.")
    try:
        value = value_parse(attribute, raw, {o.key for o in attribute.options.all()})
    except BadValue as error:
        raise ValidationError(bad_value_message(attribute, error)) from None
    if value is None:
        needed = {
            AttributeKind.SINGLE: "choose one option",
            AttributeKind.NUMBER: "enter a number",
            AttributeKind.BOOLEAN: "answer yes or no",
        }
        raise ValidationError(f"{label}: {needed[attribute.kind]}.")
    return value


def _write_value(consensus: ConsensusValue, attribute: Attribute, value: Any) -> list[Option]:
    """Put `value` into the consensus row's fields; returns the options to set after save."""
    consensus.text = ""
    consensus.number = value if attribute.kind == AttributeKind.NUMBER else None
    consensus.boolean = value if attribute.kind == AttributeKind.BOOLEAN else None
    if not attribute.is_choice or value is None:
        return []
    wanted = {value} if attribute.kind == AttributeKind.SINGLE else set(value)
    return [o for o in attribute.options.all() if o.key in wanted]


def _snapshot(attribute: Attribute, consensus: ConsensusValue | None, value: Any = None) -> dict:
    """JSON for a revision's before/after: the value, evidence, method."""
    if consensus is None:
        return None
    return {
        "value": value_json(value),
        "evidence": consensus.evidence,
        "method": consensus.method,
    }


def _joined_evidence(*quotes: str) -> str:
    distinct = list(dict.fromkeys(q.strip() for q in quotes if q and q.strip()))
    return "\n\n".join(distinct)


# --- who codes, who decides ------------------------------------------------------


def case_coder_ids(case: Case) -> set[int]:
    """Everyone who is assigned to the case or has a coding of it."""
    assigned = Assignment.objects.filter(case=case).values_list("coder_id", flat=True)
    coded = Coding.objects.filter(case=case).values_list("coder_id", flat=True)
    return set(assigned) | set(coded)


def assigned_codings(case: Case) -> tuple[Coding | None, Coding | None]:
    """The codings of the case's two assigned coders (A = assigned first), with values,
    value options and coder loaded; None where a coder has no coding yet."""
    coder_ids = list(
        Assignment.objects.filter(case=case)
        .order_by("assigned_at", "id")
        .values_list("coder_id", flat=True)[:2]
    )
    codings = {
        c.coder_id: c
        for c in Coding.objects.filter(case=case, coder_id__in=coder_ids)
        .select_related("coder", "codebook")
        .prefetch_related(
            Prefetch(
                "values",
                queryset=CodedValue.objects.select_related("attribute").prefetch_related(
                    "options"
                ),
            )
        )
    }
    found = [codings.get(pk) for pk in coder_ids] + [None, None]
    return found[0], found[1]


def both_submitted(coding_a: Coding | None, coding_b: Coding | None) -> bool:
    return bool(coding_a and coding_b and coding_a.is_submitted and coding_b.is_submitted)


def _values_by_attribute_key(coding: Coding) -> dict[str, CodedValue]:
    return {v.attribute.key: v for v in coding.values.all()}


# --- detection ----------------------------------------------------------------------


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


def disagreements_detect(*, case: Case, actor=None) -> Detection:
    """Compare the two assigned coders' submitted codings of `case`.

    Agreed values become (or update) "agreed" consensus values; differing values become
    open disagreements. Running it again changes nothing unless a coding changed.
    Adjudicated decisions are never touched (a lead may have reopened a coding and the
    coder resubmitted it): their disagreement rows only follow the current codings.
    Does nothing (ran=False) until both assigned coders have submitted.
    """
    result = Detection(case=case)
    with transaction.atomic():
        # Two coders submitting at the same moment: each submit runs this in its own
        # transaction. Locking the case makes the second wait for the first to commit,
        # so that it then sees both codings submitted and the comparison is not missed.
        list(Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True))
        coding_a, coding_b = assigned_codings(case)
        if not both_submitted(coding_a, coding_b):
            result.reason = "both assigned coders have not submitted yet"
            return result
        result.ran = True
        attributes = list(
            coding_a.codebook.attributes.exclude(kind=AttributeKind.TEXT).prefetch_related(
                "options"
            )
        )
        values_a = _values_by_attribute_key(coding_a)
        values_b = _values_by_attribute_key(coding_b)
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
            differ = not _same(attribute, a, b)

            if current is not None and current.method == ConsensusMethod.ADJUDICATED:
                if disagreement is not None and (
                    disagreement.coding_a_id, disagreement.coding_b_id
                ) != (coding_a.pk, coding_b.pk):
                    disagreement.coding_a, disagreement.coding_b = coding_a, coding_b
                    disagreement.save(update_fields=["coding_a", "coding_b"])
                result.kept.append(attribute.key)
                continue

            if differ:
                if current is not None:
                    _withdraw_agreed(current, attribute, actor=actor, case=case)
                    result.withdrawn.append(attribute.key)
                if disagreement is None:
                    disagreement = Disagreement.objects.create(
                        case=case, attribute=attribute, coding_a=coding_a, coding_b=coding_b
                    )
                    audit_record(
                        actor=actor, action="disagreement.detect", obj=disagreement,
                        review=review,
                        data={
                            "case": case.number, "attribute": attribute.key,
                            "a": value_json(a), "b": value_json(b),
                            **(dict(zip(("only_a", "only_b"), differing_options(a, b),
                                        strict=True))
                               if attribute.kind == AttributeKind.MULTI else {}),
                        },
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
            # Nothing to agree on: neither gave a value. (Both ticking no option of a
            # multiple-choice attribute they both answered is agreement on "none".)
            nothing_stored = stored_a is None and stored_b is None
            if _is_blank(attribute, a) and _is_blank(attribute, b) and (
                attribute.kind != AttributeKind.MULTI or nothing_stored
            ):
                if current is not None:
                    _withdraw_agreed(current, attribute, actor=actor, case=case)
                    result.withdrawn.append(attribute.key)
                continue
            value = a if a is not None else b
            if attribute.kind == AttributeKind.MULTI:
                value = value or frozenset()
            evidence = _joined_evidence(
                getattr(stored_a, "evidence", ""), getattr(stored_b, "evidence", "")
            )
            if current is not None and _same(
                attribute, stored_value(attribute, current), value
            ) and current.evidence == evidence:
                continue
            _save_agreed(case, attribute, current, value, evidence, now, actor)
            result.agreed.append(attribute.key)
    return result


def _save_agreed(case, attribute, current, value, evidence, now, actor) -> ConsensusValue:
    before = _snapshot(attribute, current, stored_value(attribute, current))
    consensus = current or ConsensusValue(case=case, attribute=attribute)
    options = _write_value(consensus, attribute, value)
    consensus.method = ConsensusMethod.AGREED
    consensus.evidence = evidence
    consensus.decided_by = None
    consensus.decided_at = now
    consensus.rationale = ""
    consensus.version = (current.version + 1) if current else 1
    consensus.save()
    if attribute.is_choice:
        consensus.options.set(options)
    after = _snapshot(attribute, consensus, value)
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
            "before": _snapshot(attribute, consensus, stored_value(attribute, consensus)),
            "reason": "the coders no longer agree",
        },
    )
    consensus.delete()


# --- adjudication -------------------------------------------------------------------


def _check_adjudicator(user, case: Case) -> None:
    if not is_adjudicator(user, case.review):
        raise ValidationError("Only an adjudicator of this review can decide disagreements.")
    if user.pk in case_coder_ids(case):
        raise ValidationError(OWN_CASE_MESSAGE, code="own_case")


def _locked(disagreement: Disagreement) -> Disagreement:
    return (
        Disagreement.objects.select_for_update()
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
        raise ValidationError("Choose coder A's value, coder B's value or another value.")
    if not rationale:
        raise ValidationError("Give a rationale: why is this the right value?", code="rationale")
    case = disagreement.case
    _check_adjudicator(user, case)
    with transaction.atomic():
        disagreement = _locked(disagreement)
        attribute = (
            Attribute.objects.prefetch_related("options").get(pk=disagreement.attribute_id)
        )
        current = _current_consensus(disagreement)
        if (current.version if current else 0) != expected_version:
            raise ValidationError(CONFLICT_MESSAGE, code="conflict")
        if choice == "other":
            new_value = parse_value(attribute, value)
            new_evidence = (evidence or "").strip()
        else:
            coding = disagreement.coding_a if choice == "a" else disagreement.coding_b
            if not coding.is_submitted:
                raise ValidationError(
                    f"{coding.coder.get_full_name() or coding.coder.username}'s coding has been "
                    "reopened; decide once it is submitted again."
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
        before = _snapshot(attribute, current, stored_value(attribute, current))
        consensus = current or ConsensusValue(case=case, attribute=attribute)
        options = _write_value(consensus, attribute, new_value)
        consensus.method = ConsensusMethod.ADJUDICATED
        consensus.evidence = new_evidence
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
            raise ValidationError(CONFLICT_MESSAGE, code="conflict") from None
        if attribute.is_choice:
            consensus.options.set(options)
        after = {**_snapshot(attribute, consensus, new_value), "choice": choice}
        ConsensusRevision.objects.create(
            consensus=consensus, changed_by=user, method=ConsensusMethod.ADJUDICATED,
            before=before, after=after, rationale=rationale,
        )
        disagreement.status = DisagreementStatus.RESOLVED
        disagreement.resolved_at = consensus.decided_at
        disagreement.save(update_fields=["status", "resolved_at"])
        audit_record(
            actor=user, action="consensus.adjudicate", obj=consensus, review=case.review,
            data={
                "case": case.number, "attribute": attribute.key, "choice": choice,
                "before": before, "after": after, "rationale": rationale,
                "version": consensus.version,
            },
        )
    return consensus


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
    if not (is_adjudicator(user, review) or is_lead(user, review)):
        raise ValidationError("Only an adjudicator or a review lead can reopen a decision.")
    if user.pk in case_coder_ids(case):
        raise ValidationError(OWN_CASE_MESSAGE, code="own_case")
    if not reason:
        raise ValidationError("Say why the decision is reopened.", code="rationale")
    with transaction.atomic():
        disagreement = _locked(disagreement)
        if disagreement.status != DisagreementStatus.RESOLVED:
            raise ValidationError("This disagreement is open already.")
        current = _current_consensus(disagreement)
        if (current.version if current else 0) != expected_version:
            raise ValidationError(CONFLICT_MESSAGE, code="conflict")
        disagreement.status = DisagreementStatus.OPEN
        disagreement.resolved_at = None
        disagreement.save(update_fields=["status", "resolved_at"])
        audit_record(
            actor=user, action="disagreement.reopen", obj=disagreement, review=review,
            data={
                "case": case.number, "attribute": disagreement.attribute.key, "reason": reason,
                "consensus_version": current.version if current else 0,
            },
        )
    return disagreement


# --- selectors for the adjudication pages ------------------------------------------


def display_value(attribute: Attribute, value: Any) -> str | list[str] | None:
    """A comparable value for people: option labels, a number, Yes/No; None if not coded."""
    if value is None:
        return None
    if attribute.is_choice:
        labels = {o.key: o.label for o in attribute.options.all()}
        if attribute.kind == AttributeKind.SINGLE:
            return labels.get(value, value)
        order = {o.key: i for i, o in enumerate(attribute.options.all())}
        return [labels.get(k, k) for k in sorted(value, key=lambda k: (order.get(k, 0), k))]
    if attribute.kind == AttributeKind.NUMBER:
        return f"{value:g}"
    if attribute.kind == AttributeKind.BOOLEAN:
        return "Yes" if value else "No"
    return value


def json_display(attribute: Attribute, snapshot: dict | None) -> str | list[str] | None:
    """The value of a revision's before/after snapshot, for people."""
    if not snapshot:
        return None
    value = snapshot.get("value")
    if attribute.kind == AttributeKind.MULTI:
        return display_value(attribute, frozenset(value or []))
    return display_value(attribute, value)


def _history_text(value) -> str:
    if value is None:
        return "no value"
    if isinstance(value, list):
        return "; ".join(value) if value else "none chosen"
    return str(value)


def adjudication_queue(
    *, review, user, attribute: str = "", pair: str = "", status: str = DisagreementStatus.OPEN
) -> dict[str, Any]:
    """Cases with disagreements in `status`, filtered by attribute key and coder pair
    ("alice,bob", either order), with facet counts; a fixed number of queries.

    Example: {"cases": [{"number": "7", "title": ..., "coder_a": "alice", "coder_b": "bob",
    "n": 2, "attributes": ["Level", ...], "own": False}], "attributes": [("level", "Level",
    3)], "pairs": [("alice,bob", "alice and bob", 5)], "total": 5}
    """
    # A case whose coding a lead reopened waits until it is submitted again.
    base = Disagreement.objects.filter(
        case__review=review, status=status,
        coding_a__status=CodingStatus.SUBMITTED, coding_b__status=CodingStatus.SUBMITTED,
    )
    pair_q = Q()
    names = [n for n in pair.split(",") if n][:2]
    if len(names) == 2:
        first, second = names
        pair_q = Q(coding_a__coder__username=first, coding_b__coder__username=second) | Q(
            coding_a__coder__username=second, coding_b__coder__username=first
        )
    attribute_q = Q(attribute__key=attribute) if attribute else Q()

    attributes = list(
        base.filter(pair_q)
        .values("attribute__key", "attribute__label")
        .annotate(n=Count("pk"))
        .order_by("attribute__section__order", "attribute__order", "attribute__key")
    )
    # Several codebook versions may share a key; one facet per key.
    facets: dict[str, list] = {}
    for row in attributes:
        facet = facets.setdefault(row["attribute__key"], [row["attribute__label"], 0])
        facet[1] += row["n"]
    pairs: dict[str, int] = {}
    for row in (
        base.filter(attribute_q)
        .values("coding_a__coder__username", "coding_b__coder__username")
        .annotate(n=Count("pk"))
    ):
        key = ",".join(sorted([row["coding_a__coder__username"],
                               row["coding_b__coder__username"]]))
        pairs[key] = pairs.get(key, 0) + row["n"]

    chosen = base.filter(pair_q, attribute_q)
    cases = list(
        chosen.values(
            "case_id", "case__number", "case__title", "case__sort_key",
            "coding_a__coder__username", "coding_b__coder__username",
        )
        .annotate(n=Count("pk"))
        .order_by("case__sort_key", "case__number")
    )
    labels: dict[int, list[str]] = {}
    for case_id, label in chosen.order_by(
        "attribute__section__order", "attribute__order"
    ).values_list("case_id", "attribute__label"):
        labels.setdefault(case_id, []).append(label)
    case_ids = [c["case_id"] for c in cases]
    mine = {"case_id__in": case_ids, "coder": user}
    own = set(Assignment.objects.filter(**mine).values_list("case_id", flat=True)) | set(
        Coding.objects.filter(**mine).values_list("case_id", flat=True)
    )
    rows = [
        {
            "number": c["case__number"], "title": c["case__title"],
            "coder_a": c["coding_a__coder__username"], "coder_b": c["coding_b__coder__username"],
            "n": c["n"], "attributes": labels.get(c["case_id"], []),
            "own": c["case_id"] in own,
        }
        for c in cases
    ]
    return {
        "cases": rows,
        "attributes": [(key, label, n) for key, (label, n) in facets.items()],
        "pairs": [(key, key.replace(",", " and "), n) for key, n in sorted(pairs.items())],
        "total": sum(r["n"] for r in rows),
    }


@dataclass
class AttributeRow:
    """One attribute on the adjudication page."""

    attribute: Attribute
    a: Any = None  # display values
    b: Any = None
    stored_a: CodedValue | None = None
    stored_b: CodedValue | None = None
    state: str = "blank"  # agreed, open, resolved, text, blank, pending
    consensus: ConsensusValue | None = None
    consensus_display: Any = None
    disagreement: Disagreement | None = None
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    form: Any = None
    reopen_form: Any = None

    @property
    def version(self) -> int:
        return self.consensus.version if self.consensus else 0


def case_adjudication(*, case: Case) -> dict[str, Any]:
    """Everything the adjudication page shows for one case, in a fixed number of queries.

    Codings are only returned once both assigned coders have submitted (blind coding).
    """
    coding_a, coding_b = assigned_codings(case)
    if not both_submitted(coding_a, coding_b):
        return {"ready": False, "coding_a": None, "coding_b": None, "sections": [],
                "open": 0, "resolved": 0, "agreed": 0}
    attributes = list(
        coding_a.codebook.attributes.select_related("section").prefetch_related("options")
    )
    values_a = _values_by_attribute_key(coding_a)
    values_b = _values_by_attribute_key(coding_b)
    consensus = {
        c.attribute_id: c
        for c in ConsensusValue.objects.filter(case=case)
        .select_related("decided_by")
        .prefetch_related("options")
    }
    revisions: dict[int, list] = {}
    for revision in ConsensusRevision.objects.filter(consensus__case=case).select_related(
        "changed_by"
    ).order_by("changed_at", "id"):
        revisions.setdefault(revision.consensus_id, []).append(revision)
    disagreements = {d.attribute_id: d for d in Disagreement.objects.filter(case=case)}
    reopenings: dict[str, list] = {}
    for event in AuditEvent.objects.filter(
        review=case.review, action="disagreement.reopen",
        object_id__in=[str(d.pk) for d in disagreements.values()],
    ).select_related("actor").order_by("created_at", "id"):
        reopenings.setdefault(event.object_id, []).append(event)

    sections: dict[int, dict] = {}
    counts = {"open": 0, "resolved": 0, "agreed": 0}
    for attribute in attributes:
        stored_a, stored_b = values_a.get(attribute.key), values_b.get(attribute.key)
        a, b = stored_value(attribute, stored_a), stored_value(attribute, stored_b)
        row = AttributeRow(
            attribute=attribute, a=display_value(attribute, a), b=display_value(attribute, b),
            stored_a=stored_a, stored_b=stored_b,
            consensus=consensus.get(attribute.pk), disagreement=disagreements.get(attribute.pk),
        )
        if attribute.kind == AttributeKind.MULTI:
            only_a, only_b = differing_options(a, b)
            row.only_a = display_value(attribute, frozenset(only_a)) or []
            row.only_b = display_value(attribute, frozenset(only_b)) or []
        if row.consensus is not None:
            value = stored_value(attribute, row.consensus)
            if attribute.kind == AttributeKind.MULTI:
                value = value or frozenset()
            row.consensus_display = _history_text(display_value(attribute, value))
            row.history = [
                {"when": r.changed_at, "who": r.changed_by, "kind": r.method,
                 "before": _history_text(json_display(attribute, r.before)),
                 "after": _history_text(json_display(attribute, r.after)),
                 "why": r.rationale}
                for r in revisions.get(row.consensus.pk, [])
            ]
        if row.disagreement is not None:
            row.state = row.disagreement.status
            row.history += [
                {"when": e.created_at, "who": e.actor, "kind": "reopen",
                 "why": e.data.get("reason", "")}
                for e in reopenings.get(str(row.disagreement.pk), [])
            ]
            row.history.sort(key=lambda step: step["when"])
        elif attribute.kind == AttributeKind.TEXT:
            row.state = "text"
        elif row.consensus is not None:
            row.state = "agreed" if row.consensus.method == ConsensusMethod.AGREED else "resolved"
        if row.state in counts:
            counts[row.state] += 1
        section = sections.setdefault(
            attribute.section_id, {"section": attribute.section, "rows": []}
        )
        section["rows"].append(row)
    return {"ready": True, "coding_a": coding_a, "coding_b": coding_b,
            "sections": list(sections.values()), **counts}
