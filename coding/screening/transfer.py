"""Screening decisions in and out as long CSV (or .xlsx): `record,screener,stage,decision,
reason`, one row per decision, like the codings (coding.codings.transfer).

`decisions_import` loads decisions all or nothing: every row is read and checked first
(record, screener with the coder role, stage, decision, reason), then the decisions are made
through the screening services in one transaction (title and abstract first, so that records
included there reach the full-text stage), and any refusal names the row and undoes
everything. A record is named by its external ID in its source file, else by its id (what
the export writes). `decisions_table` (coding.screening.selectors) writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coding.codings.policies import import_coders_refused
from coding.fileio import ImportFailed
from coding.models import (
    ExclusionReason,
    Record,
    Review,
    ScreeningAssignment,
    ScreeningDecision,
    ScreeningDecisionValue,
    ScreeningStage,
)
from coding.screening.policies import SCREENERS_PER_RECORD, records_at_stage, review_stages
from coding.screening.selectors import DECISION_COLUMNS
from coding.screening.services import screening_decide
from coding.tables import table_rows

MAX_ROWS = 200_000
REQUIRED = ["record", "screener", "stage", "decision"]
OPTIONAL = ["reason", "note"]


@dataclass
class DecisionsResult:
    review: Review
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    assignments: int = 0
    screeners: list[str] = field(default_factory=list)


@dataclass
class _Row:
    where: str
    record: Record
    screener: str
    stage: str
    decision: str
    reason: str
    note: str


def _records(review: Review) -> dict[str, Record]:
    """Each record by its external ID and by its id (an external ID wins)."""
    found: dict[str, Record] = {}
    records = list(Record.objects.filter(review=review).select_related("review"))
    for record in records:
        found[str(record.pk)] = record
    for record in records:
        if record.external_id:
            found[record.external_id] = record
    return found


def _read(path: Path, review: Review) -> list[_Row]:
    records = _records(review)
    stages = review_stages(review)
    reasons = set(ExclusionReason.objects.filter(review=review).values_list("key", flat=True))
    table = table_rows(path, columns=REQUIRED, optional=OPTIONAL, lower=True, sheet="screening")
    rows, seen = [], {}
    for line, cells in table:
        where = table.where(line)
        if len(rows) >= MAX_ROWS:
            raise ImportFailed(path, where, _("more than %(n)s rows; split the file")
                               % {"n": f"{MAX_ROWS:,}"})
        key = cells["record"].strip()
        record = records.get(key)
        if record is None:
            raise ImportFailed(path, where, _("no record %(key)s in this review")
                               % {"key": repr(key)})
        stage = cells["stage"].strip()
        if stage not in ScreeningStage.values:
            raise ImportFailed(path, where, _("unknown stage %(stage)s (title_abstract or "
                                              "full_text)") % {"stage": repr(stage)})
        if stage not in stages:
            raise ImportFailed(path, where, _("this review does not screen at stage %(stage)s")
                               % {"stage": stage})
        decision = cells["decision"].strip().lower()
        if decision not in ScreeningDecisionValue.values:
            raise ImportFailed(path, where, _("unknown decision %(value)s (include, exclude or "
                                              "maybe)") % {"value": repr(decision)})
        reason = (cells.get("reason") or "").strip()
        if reason and reason not in reasons:
            raise ImportFailed(path, where, _("unknown exclusion reason %(key)s")
                               % {"key": repr(reason)})
        screener = cells["screener"].strip()
        pair = (record.pk, stage, screener)
        if pair in seen:
            raise ImportFailed(path, where, _("record %(record)s, screener %(screener)s, stage "
                                              "%(stage)s already appears in %(row)s")
                               % {"record": key, "screener": screener, "stage": stage,
                                  "row": seen[pair]})
        seen[pair] = where
        rows.append(_Row(where, record, screener, stage, decision, reason,
                         (cells.get("note") or "").strip()))
    if not rows:
        raise ImportFailed(path, table.whole, _("no decisions found below the header"))
    names = list(dict.fromkeys(r.screener for r in rows))
    refused = import_coders_refused(review, names)
    if refused:
        first = next(r for r in rows if r.screener == refused[0])
        raise ImportFailed(path, first.where, _(
            "%(names)s: only members with the coder role in this review screen (give them the "
            "role on the Members page first)") % {"names": ", ".join(refused[:10])})
    return rows


def decisions_import(*, path: Path | str, review_slug: str, user=None) -> DecisionsResult:
    """Load the file's decisions into the review (see the module docstring); raises
    ImportFailed naming the file, the row and the reason, with nothing imported."""
    path = Path(path)
    review = Review.objects.filter(slug=review_slug).first()
    if review is None:
        raise ImportFailed(path, "file", _("no review with slug %(slug)s")
                           % {"slug": repr(review_slug)})
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ImportFailed(path, "file", error.strerror or str(error)) from None
    if size > settings.IMPORT_MAX_MB * 1024 * 1024:
        raise ImportFailed(path, "file", _("larger than %(n)s MB")
                           % {"n": settings.IMPORT_MAX_MB})
    rows = _read(path, review)
    people = {u.username: u for u in get_user_model().objects.filter(
        username__in={r.screener for r in rows})}
    result = DecisionsResult(review=review, rows=len(rows), screeners=sorted(people))
    order = {ScreeningStage.TITLE_ABSTRACT: 0, ScreeningStage.FULL_TEXT: 1}
    with transaction.atomic():
        for row in sorted(rows, key=lambda r: order[r.stage]):
            user = people[row.screener]
            if not records_at_stage(review, row.stage).filter(pk=row.record.pk).exists():
                raise ImportFailed(path, row.where, _(
                    "record %(record)s is not screened at stage %(stage)s (a removed "
                    "duplicate, or not included at title and abstract)")
                    % {"record": row.record.external_id or row.record.pk, "stage": row.stage})
            assigned = set(ScreeningAssignment.objects.filter(
                record=row.record, stage=row.stage).values_list("screener_id", flat=True))
            if user.pk not in assigned:
                if len(assigned) >= SCREENERS_PER_RECORD:
                    raise ImportFailed(path, row.where, _(
                        "the record already has two other screeners at this stage"))
                ScreeningAssignment.objects.create(record=row.record, stage=row.stage,
                                                   screener=user, assigned_by=user)
                result.assignments += 1
            before = ScreeningDecision.objects.filter(
                record=row.record, stage=row.stage, screener=user).first()
            if before is not None and (before.decision, before.reason.key if before.reason_id
                                       else "", before.note) == (row.decision, row.reason
                                                                 if row.decision == "exclude"
                                                                 and row.stage == "full_text"
                                                                 else "", row.note):
                result.unchanged += 1
                continue
            try:
                screening_decide(record=row.record, stage=row.stage, user=user,
                                 decision=row.decision, reason=row.reason or None,
                                 note=row.note)
            except ValidationError as error:
                raise ImportFailed(path, row.where, " ".join(error.messages)) from None
            if before is None:
                result.created += 1
            else:
                result.changed += 1
    return result


__all__ = ["DECISION_COLUMNS", "DecisionsResult", "ImportFailed", "decisions_import"]
