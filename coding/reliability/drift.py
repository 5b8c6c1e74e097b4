"""Coder drift: each coder's agreement with the final consensus over time.

Only cases whose consensus is complete (Case.consensus_complete: every assigned coder
submitted and no disagreement open, coding.public.policies) count, so the figures say
nothing about a case someone is still blind on. For each submitted coding of such a case and
each attribute with a consensus value, the coder's value is compared with it
(coding.values.values_equal); a value the coder did not give (coding.values.value_is_coded:
with a none option, nothing ticked is not coded) is counted apart, as "not coded", and not
compared. Codings are grouped by the ISO week they were submitted in, or in windows of N
consecutive submitted cases per coder.

Computed by the reliability snapshot's background task (drift_snapshot), never in a request:
the review's reliability_version is bumped by every change drift depends on too (submissions,
reopenings, decisions, codebooks; coding.reliability.services.reliability_changed), and pages
and the API read the stored rows (coding.reliability.selectors.snapshot_drift). The
comparison of every coding with the consensus takes six queries whatever the number of cases.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections

from coding.models import (
    Attribute,
    AttributeKind,
    CodedValue,
    Coding,
    CodingStatus,
    ConsensusValue,
    Review,
)
from coding.values import value_is_coded, values_equal

WEEK, WINDOW = "week", "window"
DEFAULT_WINDOW = 20
MAX_WINDOW = 1000
FIELDS = ["coder", "period", "period_start", "period_end", "cases", "values_compared",
          "values_agreed", "agreement", "not_coded"]


@dataclass(frozen=True)
class DriftParams:
    by: str = WEEK
    n: int = DEFAULT_WINDOW


def drift_params(by: str | None, n: str | None) -> DriftParams:
    """The grouping asked for in a query string (`drift=week` or `drift=window&n=20`);
    ValidationError with a message for anything else."""
    by = (by or WEEK).strip().lower()
    if by not in (WEEK, WINDOW):
        raise ValidationError(f"Group drift by 'week' or 'window', not {by[:40]!r}.")
    if by == WEEK:
        return DriftParams(WEEK, DEFAULT_WINDOW)
    if n in (None, ""):
        return DriftParams(WINDOW, DEFAULT_WINDOW)
    try:
        size = int(n)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_WINDOW:
        raise ValidationError(
            f"The window size n must be a whole number from 1 to {MAX_WINDOW}."
        )
    return DriftParams(WINDOW, size)


@dataclass
class DriftRow:
    coder: str
    period: str  # "2026-W07", or "cases 1–20"
    # ISO dates: the week's Monday and Sunday, or when the window's first and last cases
    # were submitted.
    period_start: str
    period_end: str
    cases: int
    values_compared: int
    values_agreed: int
    agreement: float | None  # values_agreed / values_compared, None when nothing compared
    not_coded: int  # consensus values the coder gave no value for


def _value(kind: str, number, boolean, keys) -> Any:
    if kind == AttributeKind.SINGLE:
        return min(keys) if keys else None
    if kind == AttributeKind.MULTI:
        return frozenset(keys or ())
    if kind == AttributeKind.NUMBER:
        return number
    return boolean


def _rows(queryset):
    """A values_list queryset's rows as the database driver gives them: without Django's
    per-value converters, which take half the time at 300,000 rows. Numbers, ids and keys
    come back as they are; yes/no may come as 0/1 (SQLite), the same on both sides of every
    comparison here."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def _options(model, **filters) -> dict[int, list[str]]:
    chosen: dict[int, list[str]] = {}
    field = model._meta.model_name  # codedvalue / consensusvalue
    for value_id, key in _rows(model.options.through.objects.filter(**filters).values_list(
        f"{field}_id", "option__key"
    )):
        chosen.setdefault(value_id, []).append(key)
    return chosen


def _per_coding(review: Review) -> list[tuple[str, datetime, str, int, int, int]]:
    """(coder, submitted_at, case number, compared, agreed, not coded) per submitted coding
    of a case with complete consensus."""
    complete = {"case__review": review, "case__consensus_complete": True}
    codings = list(
        Coding.objects.filter(**complete, status=CodingStatus.SUBMITTED).values_list(
            "pk", "case_id", "case__number", "case__sort_key", "coder__username",
            "codebook_id", "submitted_at",
        )
    )
    if not codings:
        return []
    attributes = {
        a.pk: a for a in Attribute.objects.filter(
            codebook_id__in={c[5] for c in codings}
        ).exclude(kind=AttributeKind.TEXT).prefetch_related("options")
    }
    of_coding = {f"coding__{k}": v for k, v in complete.items()}
    of_coding["coding__status"] = CodingStatus.SUBMITTED
    coded_options = _options(CodedValue, **{f"codedvalue__{k}": v for k, v in of_coding.items()})
    coded: dict[int, dict[str, Any]] = {}
    for pk, coding_id, attribute_id, number, boolean in _rows(CodedValue.objects.filter(
        **of_coding, attribute__in=attributes.keys()
    ).values_list("pk", "coding_id", "attribute_id", "number", "boolean")):
        attribute = attributes[attribute_id]
        coded.setdefault(coding_id, {})[attribute.key] = _value(
            attribute.kind, number, boolean, coded_options.get(pk)
        )
    consensus_options = _options(
        ConsensusValue, **{f"consensusvalue__{k}": v for k, v in complete.items()}
    )
    consensus: dict[int, dict[str, tuple[str, Any]]] = {}
    for pk, case_id, key, kind, number, boolean in _rows(ConsensusValue.objects.filter(
        **complete
    ).exclude(attribute__kind=AttributeKind.TEXT).values_list(
        "pk", "case_id", "attribute__key", "attribute__kind", "number", "boolean"
    )):
        consensus.setdefault(case_id, {})[key] = (
            kind, _value(kind, number, boolean, consensus_options.get(pk))
        )
    # What values.py's rules read of an attribute (kind, none option), computed once: the
    # model's none_option walks its options on every call, 500,000 calls at 10,000 cases.
    by_codebook: dict[int, list[SimpleNamespace]] = {}
    for attribute in attributes.values():
        by_codebook.setdefault(attribute.codebook_id, []).append(SimpleNamespace(
            key=attribute.key, kind=attribute.kind, none_option=attribute.none_option))
    rows = []
    for pk, case_id, number, sort_key, coder, codebook_id, submitted_at in codings:
        decided = consensus.get(case_id, {})
        values = coded.get(pk, {})
        compared = agreed = not_coded = 0
        for attribute in by_codebook.get(codebook_id, []):
            kind, settled = decided.get(attribute.key, (None, None))
            # A consensus under another codebook version with another kind is not the same
            # question; a consensus that is no answer has nothing to agree with.
            if kind != attribute.kind or not value_is_coded(attribute, settled):
                continue
            mine = values.get(attribute.key)
            if not value_is_coded(attribute, mine):
                not_coded += 1
                continue
            compared += 1
            agreed += values_equal(attribute, mine, settled)
        rows.append((coder, submitted_at, (sort_key, number), compared, agreed, not_coded))
    return rows


def _row(coder: str, period: str, start: str, end: str, items: list) -> DriftRow:
    compared = sum(i[1] for i in items)
    agreed = sum(i[2] for i in items)
    return DriftRow(
        coder=coder, period=period, period_start=start, period_end=end, cases=len(items),
        values_compared=compared, values_agreed=agreed,
        agreement=round(agreed / compared, 4) if compared else None,
        not_coded=sum(i[3] for i in items),
    )


Item = tuple[datetime, int, int, int]  # submitted at, compared, agreed, not coded


def _by_coder(per_coding: list) -> dict[str, list[Item]]:
    """_per_coding's rows per coder, in the order they submitted (then case order)."""
    by_coder: dict[str, list[Item]] = {}
    for coder, submitted_at, _, compared, agreed, not_coded in sorted(
        per_coding, key=lambda i: (i[0], i[1], i[2])
    ):
        by_coder.setdefault(coder, []).append((submitted_at, compared, agreed, not_coded))
    return by_coder


def _group(by_coder: dict[str, list[Item]], params: DriftParams) -> dict:
    rows: list[DriftRow] = []
    for coder, items in by_coder.items():
        if params.by == WEEK:
            weeks: dict[tuple[int, int], list] = {}
            for item in items:
                year, week, _ = item[0].isocalendar()
                weeks.setdefault((year, week), []).append(item)
            for (year, week), group in weeks.items():
                monday = date.fromisocalendar(year, week, 1)
                rows.append(_row(coder, f"{year}-W{week:02d}", monday.isoformat(),
                                 (monday + timedelta(days=6)).isoformat(), group))
        else:
            for start in range(0, len(items), params.n):
                group = items[start:start + params.n]
                end = start + len(group)
                rows.append(_row(
                    coder, f"cases {start + 1}–{end}" if end > start + 1 else f"case {end}",
                    group[0][0].date().isoformat(), group[-1][0].date().isoformat(), group,
                ))
    periods = list(dict.fromkeys(
        r.period for r in sorted(rows, key=lambda r: (r.period_start, r.period))
    ))
    if params.by == WINDOW:
        periods = sorted({r.period for r in rows},
                         key=lambda p: int(p.split()[1].split("–")[0]))
    return {
        "by": params.by,
        "n": params.n if params.by == WINDOW else None,
        "coders": list(by_coder),
        "periods": periods,
        "rows": [asdict(r) for r in rows],
    }


def coder_drift(*, review: Review, params: DriftParams = DriftParams()) -> dict:
    """Per coder and period, how many consensus values they were compared on and agreed with,
    computed now from the database (seconds at 10,000 cases): pages and the API read it from
    the reliability snapshot instead (coding.reliability.selectors.snapshot_drift), which the
    background task fills with drift_snapshot.

    Example: {"by": "week", "n": None, "coders": ["alice", "bob"], "periods": ["2026-W07"],
    "rows": [{"coder": "alice", "period": "2026-W07", "period_start": "2026-02-09",
    "period_end": "2026-02-15", "cases": 12, "values_compared": 140, "values_agreed": 131,
    "agreement": 0.9357, "not_coded": 4}, ...]} (rows by coder, then time).
    """
    return _group(_by_coder(_per_coding(review)), params)


# The groupings stored ready-made in a snapshot; any other window size is grouped from the
# stored per-coding counts when asked for.
STORED = {"week": DriftParams(WEEK), "window": DriftParams(WINDOW, DEFAULT_WINDOW)}


def drift_snapshot(*, review: Review) -> tuple[dict, list]:
    """What a reliability snapshot stores of coder drift (the background task's part, run with
    the figures): (drift, drift_codings). `drift`: coder_drift's answer for each grouping of
    STORED, keyed as there; `drift_codings`: [coder, [[submitted at (ISO), compared, agreed,
    not coded] per submitted coding in order]] per coder in order (a list, not an object:
    PostgreSQL's jsonb does not keep the order of keys), from which any window size is
    grouped."""
    by_coder = _by_coder(_per_coding(review))
    drift = {name: _group(by_coder, params) for name, params in STORED.items()}
    codings = [[coder, [[at.isoformat(), *counts] for at, *counts in items]]
               for coder, items in by_coder.items()]
    return drift, codings


def stored_name(params: DriftParams) -> str | None:
    """The key of `params`'s grouping in a snapshot's `drift`, or None if it is not stored
    ready-made (then drift_from_codings groups it)."""
    return next((name for name, stored in STORED.items() if stored == params), None)


def drift_from_codings(codings: list, params: DriftParams) -> dict:
    """coder_drift's answer for `params` from a snapshot's `drift_codings` (no query)."""
    by_coder = {
        coder: [(datetime.fromisoformat(at), *counts) for at, *counts in items]
        for coder, items in codings
    }
    return _group(by_coder, params)
