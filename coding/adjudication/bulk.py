"""Disagreement detection for many cases at once (large imports): the rows that
services.disagreements_detect writes case by case, written in a few bulk statements. The rule
(what differs, what is agreed, what is nothing) is services.values_compare, shared by both."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from coding.adjudication.services import (
    BLANK,
    DIFFER,
    cases_consensus_refresh,
    detection_audit_data,
    disagreements_announce,
    disagreements_detect,
    values_compare,
)
from coding.audit.services import audit_record_many
from coding.dbbulk import chunked, insert_rows
from coding.locks import cases_lock
from coding.models import (
    Assignment,
    Attribute,
    AttributeKind,
    Case,
    CodedValue,
    Coding,
    CodingStatus,
    ConsensusMethod,
    ConsensusRevision,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Review,
)
from coding.values import (
    value_snapshot,
    value_store,
)


class _Stored:
    """What detection reads of one CodedValue."""

    __slots__ = ("boolean", "evidence", "evidence_anchors", "keys", "number")

    def __init__(self, keys: list[str], number, boolean, evidence: str, anchors: list):
        self.keys, self.number, self.boolean, self.evidence = keys, number, boolean, evidence
        self.evidence_anchors = anchors

    def value(self, attribute: Attribute):
        """As coding.values.stored_value(attribute, the CodedValue)."""
        if attribute.kind == AttributeKind.SINGLE:
            return self.keys[0] if self.keys else None
        if attribute.kind == AttributeKind.MULTI:
            return frozenset(self.keys)
        if attribute.kind == AttributeKind.NUMBER:
            return self.number
        return self.boolean


def disagreements_detect_many(*, cases: Iterable[Case], actor=None) -> int:
    """Run detection for each case (see disagreements_detect); returns how many cases were
    compared (both assigned coders submitted). Cases that already have a consensus value or
    a disagreement go through disagreements_detect one by one; the others, typically every
    case of a first import, are compared here in bulk with the same results."""
    cases = list(cases)
    if not cases:
        return 0
    with transaction.atomic():
        # Filters by review, not by long lists of ids (SQLite allows 32,766 parameters).
        reviews = {case.review_id for case in cases}
        cases_lock(Case.objects.filter(review__in=reviews))
        seen = set(ConsensusValue.objects.filter(case__review__in=reviews).values_list(
            "case_id", flat=True))
        seen |= set(Disagreement.objects.filter(case__review__in=reviews).values_list(
            "case_id", flat=True))
        compared = 0
        opened: set[int] = set()  # cases with new disagreements, announced once below
        for case in cases:
            if case.pk in seen:
                detection = disagreements_detect(case=case, actor=actor, notify=False)
                compared += detection.ran
                if detection.opened:
                    opened.add(case.pk)
        fresh = [case for case in cases if case.pk not in seen]
        compared += _detect_fresh(fresh, actor)
        if fresh:
            # A fresh case had no disagreement before: any it has now is new.
            fresh_ids = {case.pk for case in fresh}
            opened |= fresh_ids & set(Disagreement.objects.filter(
                case__review__in=reviews).values_list("case_id", flat=True))
        by_review: dict[int, list[Case]] = {}
        for case in cases:
            if case.pk in opened:
                by_review.setdefault(case.review_id, []).append(case)
        for review in Review.objects.filter(pk__in=by_review):
            disagreements_announce(review=review, cases=by_review[review.pk])
        # What readers may see changed with these cases' consensus (public.policies); only
        # theirs (a review may hold 100,000 cases), in chunks of ids SQLite accepts.
        for chunk in chunked([case.pk for case in cases], 5000):
            cases_consensus_refresh(cases=Case.objects.filter(pk__in=chunk))
    return compared


def _pairs(cases: list[Case]) -> dict[int, tuple[Coding, Coding]]:
    """case id -> (coding A, coding B) where both assigned coders submitted."""
    coders: dict[int, list[int]] = {}
    reviews = {case.review_id for case in cases}
    for case_id, coder_id in Assignment.objects.filter(case__review__in=reviews).order_by(
        "assigned_at", "id"
    ).values_list("case_id", "coder_id"):
        coders.setdefault(case_id, []).append(coder_id)
    codings = {
        (c.case_id, c.coder_id): c
        for c in Coding.objects.filter(case__review__in=reviews).only(
            "id", "case_id", "coder_id", "codebook_id", "status"
        )
    }
    pairs = {}
    wanted = {case.pk for case in cases}
    for case_id, assigned in coders.items():
        if case_id not in wanted:
            continue
        a, b = (codings.get((case_id, coder)) for coder in (assigned + [None, None])[:2])
        if a and b and a.status == CodingStatus.SUBMITTED and b.status == CodingStatus.SUBMITTED:
            pairs[case_id] = (a, b)
    return pairs


def _stored_values(coding_ids: set[int], reviews: set[int], attributes: dict[int, Attribute]):
    """coding id -> {attribute key: _Stored} (matched by key, as values_by_attribute_key)."""
    options: dict[int, list[str]] = {}
    through = CodedValue.options.through
    for value_id, key in through.objects.filter(
        codedvalue__coding__case__review__in=reviews,
        codedvalue__attribute__kind__in=[AttributeKind.SINGLE, AttributeKind.MULTI],
    ).order_by(
        "option__attribute", "option__order", "option__id"
    ).values_list("codedvalue_id", "option__key"):
        options.setdefault(value_id, []).append(key)
    stored: dict[int, dict[str, _Stored]] = {}
    for pk, coding_id, attribute_id, number, boolean, evidence, anchors in (
        CodedValue.objects.filter(coding__case__review__in=reviews).values_list(
            "id", "coding_id", "attribute_id", "number", "boolean", "evidence",
            "evidence_anchors",
        ).iterator(chunk_size=5000)
    ):
        if coding_id not in coding_ids or attribute_id not in attributes:
            continue
        stored.setdefault(coding_id, {})[attributes[attribute_id].key] = _Stored(
            options.get(pk, []), number, boolean, evidence, anchors
        )
    return stored


def _detect_fresh(cases: list[Case], actor) -> int:
    pairs = _pairs(cases)
    if not pairs:
        return 0
    by_id = {case.pk: case for case in cases}
    codebooks = {c.codebook_id for pair in pairs.values() for c in pair}
    attributes_of: dict[int, list[Attribute]] = {}
    for attribute in Attribute.objects.filter(codebook_id__in=codebooks).exclude(
        kind=AttributeKind.TEXT
    ).prefetch_related("options"):
        attributes_of.setdefault(attribute.codebook_id, []).append(attribute)
    all_attributes = {a.pk: a for group in attributes_of.values() for a in group}
    stored = _stored_values({c.pk for pair in pairs.values() for c in pair},
                            {case.review_id for case in cases}, all_attributes)
    now = timezone.now()
    disagreements, opened_data = [], []
    consensus_rows, consensus_values = [], []
    for case_id, (coding_a, coding_b) in pairs.items():
        case = by_id[case_id]
        values_a, values_b = stored.get(coding_a.pk, {}), stored.get(coding_b.pk, {})
        for attribute in attributes_of.get(coding_a.codebook_id, []):
            stored_a, stored_b = values_a.get(attribute.key), values_b.get(attribute.key)
            a = stored_a.value(attribute) if stored_a else None
            b = stored_b.value(attribute) if stored_b else None
            comparison = values_compare(attribute, stored_a, stored_b, a, b)
            if comparison.outcome == DIFFER:
                disagreements.append((case_id, attribute.pk, coding_a.pk, coding_b.pk,
                                      DisagreementStatus.OPEN, now))
                opened_data.append(detection_audit_data(case, attribute, a, b))
                continue
            if comparison.outcome == BLANK:
                continue
            value = comparison.value
            # The fields of a new ConsensusValue, as _save_agreed sets them (no model
            # instance: at 100,000 values their construction alone takes many seconds).
            consensus = SimpleNamespace(
                pk=None, case_id=case_id, attribute=attribute, attribute_id=attribute.pk,
                note="", method=ConsensusMethod.AGREED, decided_by_id=None, decided_at=now,
                rationale="", version=1, evidence=comparison.evidence,
                evidence_anchors=list(comparison.anchors),
            )
            options = value_store(consensus, attribute, value)
            consensus_rows.append((consensus, options))
            consensus_values.append(value)
    ids, reviews = {case.pk for case in cases}, {case.review_id for case in cases}
    insert_rows(Disagreement, ["case", "attribute", "coding_a", "coding_b", "status",
                               "detected_at"], disagreements)
    disagreement_ids = _ids(Disagreement, ids, reviews)
    audit_record_many(actor=actor, action="disagreement.detect", model=Disagreement, events=[
        (disagreement_ids[row[0], row[1]], by_id[row[0]].review_id, data)
        for row, data in zip(disagreements, opened_data, strict=True)
    ])
    insert_rows(ConsensusValue, CONSENSUS_FIELDS, [
        tuple(getattr(c, name) for name in CONSENSUS_ATTRS) for c, _ in consensus_rows
    ])
    consensus_ids = _ids(ConsensusValue, ids, reviews)
    for consensus, _ in consensus_rows:
        consensus.pk = consensus_ids[consensus.case_id, consensus.attribute_id]
    through = ConsensusValue.options.through
    insert_rows(through, ["consensusvalue", "option"], [
        (c.pk, o.pk) for c, options in consensus_rows for o in options
    ])
    revisions, agreed = [], []
    for (consensus, _), value in zip(consensus_rows, consensus_values, strict=True):
        attribute = consensus.attribute
        after = value_snapshot(attribute, consensus, value)
        revisions.append((consensus.pk, None, now, ConsensusMethod.AGREED, None, after,
                          "Both coders chose this value."))
        case = by_id[consensus.case_id]
        agreed.append((consensus.pk, case.review_id, {
            "case": case.number, "attribute": attribute.key, "before": None, "after": after,
        }))
    insert_rows(ConsensusRevision, ["consensus", "changed_by", "changed_at", "method", "before",
                                    "after", "rationale"], revisions)
    audit_record_many(actor=actor, action="consensus.agree", model=ConsensusValue,
                      events=agreed)
    return len(pairs)


CONSENSUS_FIELDS = ["case", "attribute", "text", "number", "boolean", "evidence",
                    "evidence_anchors", "note", "method", "decided_by", "decided_at",
                    "rationale", "version"]
CONSENSUS_ATTRS = ["case_id", "attribute_id", "text", "number", "boolean", "evidence",
                   "evidence_anchors", "note", "method", "decided_by_id", "decided_at",
                   "rationale", "version"]


def _ids(model, case_ids: set[int], reviews: set[int]) -> dict[tuple[int, int], int]:
    """(case id, attribute id) -> id of the model's rows for these cases."""
    return {
        (case_id, attribute_id): pk
        for pk, case_id, attribute_id in model.objects.filter(case__review__in=reviews)
        .values_list("pk", "case_id", "attribute_id").iterator(chunk_size=5000)
        if case_id in case_ids
    }
