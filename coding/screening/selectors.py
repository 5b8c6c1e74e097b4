"""Reads of eligibility screening: a screener's queue and own progress, the lead's
assignment figures, conflicts, agreement per stage and the long table of decisions."""

from __future__ import annotations

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from coding.exports import Table
from coding.models import (
    DisagreementStatus,
    ExclusionReason,
    Record,
    Review,
    ScreeningAssignment,
    ScreeningConflict,
    ScreeningDecision,
    ScreeningDecisionValue,
    ScreeningOutcome,
    ScreeningSettings,
    ScreeningStage,
)
from coding.reliability.coefficients import (
    CI_DECIMALS,
    MAX_DROPPED_SHARE,
    MIN_MINORITY_VALUES,
    MIN_UNITS_FOR_INTERVAL,
    bc_interval,
    row_statistics,
)
from coding.reliability.encoding import encode
from coding.screening.policies import (
    conflicts_visible_to,
    decisions_visible_to,
    records_at_stage,
    records_decided_by_both,
    records_to_screen,
    review_stages,
)

QUEUE_BATCH = 50  # records a screening page fetches at once
DECISION_COLUMNS = ["record", "screener", "stage", "decision", "reason"]


def screening_settings(review: Review) -> ScreeningSettings:
    """The review's settings (unsaved defaults when the lead has not saved any)."""
    return ScreeningSettings.objects.filter(review=review).first() or ScreeningSettings(
        review=review)


def exclusion_reasons(review: Review) -> list[ExclusionReason]:
    return list(ExclusionReason.objects.filter(review=review).order_by("order", "key"))


def stage_choices(review: Review) -> list[tuple[str, str]]:
    labels = dict(ScreeningStage.choices)
    return [(stage, labels[stage]) for stage in review_stages(review)]


def record_data(record: Record, mine: ScreeningDecision | None) -> dict:
    """One record as the screening page and its JSON show it, with the screener's own
    decision (never the other's)."""
    return {
        "id": record.pk,
        "title": record.title,
        "authors": [a for a in record.authors.splitlines() if a.strip()],
        "year": record.year,
        "source": record.search.source if record.search_id else "",
        "abstract": record.abstract,
        "url": record.url,
        "doi": record.doi,
        "decision": mine.decision if mine else "",
        "reason": mine.reason.key if mine and mine.reason_id else "",
        "note": mine.note if mine else "",
        "version": mine.version if mine else None,
    }


def screener_records(*, user, review: Review, stage: str, after: int | None = None,
                     before: int | None = None, around: int | None = None,
                     limit: int = QUEUE_BATCH) -> list[dict]:
    """A window of the records assigned to `user` at `stage`, in record order (the order of
    import: never derived from anyone's decisions), with their own decisions: `after` or
    `before` a record id, or from `around` one (it first). Two queries."""
    limit = max(1, min(limit, 200))
    records = records_to_screen(user, review, stage).select_related("search")
    if before is not None:
        rows = list(records.filter(pk__lt=before).order_by("-pk")[:limit])[::-1]
    elif around is not None:
        rows = list(records.filter(pk__gte=around).order_by("pk")[:limit])
    else:
        rows = list(records.filter(pk__gt=after or 0).order_by("pk")[:limit])
    mine = {d.record_id: d for d in ScreeningDecision.objects.filter(
        record__in=[r.pk for r in rows], stage=stage, screener=user).select_related("reason")}
    return [record_data(r, mine.get(r.pk)) for r in rows]


def first_undecided(*, user, review: Review, stage: str) -> int | None:
    """The first record assigned to `user` at `stage` they have not decided and that is not
    settled, or None."""
    return (records_to_screen(user, review, stage)
            .exclude(Exists(ScreeningDecision.objects.filter(
                record=OuterRef("pk"), stage=stage, screener=user)))
            .exclude(Exists(ScreeningOutcome.objects.filter(record=OuterRef("pk"), stage=stage)))
            .order_by("pk").values_list("pk", flat=True).first())


def screener_progress(*, user, review: Review, stage: str) -> dict:
    """The screener's own work at `stage` only: assigned, decided (by them), to do, and
    their own include/exclude/maybe counts. Nothing about the other screener."""
    mine = records_to_screen(user, review, stage)
    assigned = mine.count()
    counts = dict(ScreeningDecision.objects.filter(
        screener=user, stage=stage, record__in=mine.values("pk")
    ).values("decision").annotate(n=Count("pk")).values_list("decision", "n"))
    decided = sum(counts.values())
    return {"assigned": assigned, "decided": decided, "remaining": assigned - decided,
            **{value: counts.get(value, 0) for value in ScreeningDecisionValue.values}}


def default_stage(*, user, review: Review) -> str:
    """The first stage where `user` has records to decide, else the review's first."""
    stages = review_stages(review)
    for stage in stages:
        if first_undecided(user=user, review=review, stage=stage) is not None:
            return stage
    return stages[0]


def assignment_overview(*, review: Review) -> list[dict]:
    """Per stage, for the lead's assignment page: records screened there, with two
    screeners, short of screeners, settled (outcomes), open conflicts, and per screener how
    many records they are assigned (not how many they decided: a lead who screens must not
    learn the other screener's progress)."""
    out = []
    for stage, label in dict(ScreeningStage.choices).items():
        if stage not in review_stages(review):
            continue
        records = records_at_stage(review, stage).annotate(
            n=Count("assignments", filter=Q(assignments__stage=stage)))
        total = records.count()
        full = records.filter(n__gte=2).count()
        per_screener = list(ScreeningAssignment.objects.filter(
            record__review=review, stage=stage).values("screener__username")
            .annotate(n=Count("pk")).order_by("screener__username"))
        out.append({
            "stage": stage, "label": label, "records": total, "assigned": full,
            "unassigned": total - full,
            "settled": ScreeningOutcome.objects.filter(record__review=review, stage=stage)
            .count(),
            "included": ScreeningOutcome.objects.filter(
                record__review=review, stage=stage, decision="include").count(),
            "open_conflicts": ScreeningConflict.objects.filter(
                record__review=review, stage=stage, status=DisagreementStatus.OPEN).count(),
            "screeners": [{"username": r["screener__username"], "records": r["n"]}
                          for r in per_screener],
        })
    return out


def conflict_list(*, user, review: Review, status: str = DisagreementStatus.OPEN
                  ) -> QuerySet[ScreeningConflict]:
    """The conflicts of `review` `user` may see, with `status`, in record order."""
    return (conflicts_visible_to(user, review, ScreeningConflict.objects.all())
            .filter(status=status)
            .select_related("record__search", "decision_a__screener", "decision_b__screener",
                            "decision_a__reason", "decision_b__reason")
            .order_by("record_id", "stage"))


# --- agreement ------------------------------------------------------------------------

CATEGORIES = list(ScreeningDecisionValue.values)  # include, exclude, maybe: nominal


def _pairs(review: Review, stage: str, viewer=None) -> list[tuple[str, str]]:
    """The two decisions of every record both assigned screeners decided at `stage` (the
    first and second screener by decision order: the raters of a two-rater table)."""
    both = records_decided_by_both(Record.objects.filter(review=review), stage)
    decisions = ScreeningDecision.objects.filter(record__in=both.values("pk"), stage=stage)
    if viewer is not None:
        decisions = decisions_visible_to(viewer, decisions)
    by_record: dict[int, list[str]] = {}
    for record_id, value in decisions.order_by("record_id", "pk").values_list(
            "record_id", "decision"):
        by_record.setdefault(record_id, []).append(value)
    return [(v[0], v[1]) for v in by_record.values() if len(v) >= 2]


def _percent_interval(agree: int, n: int, *, n_boot: int = 1000, seed: int = 0):
    """A bootstrap interval of percent agreement over records, by the same rules as the
    coefficients' (no interval under MIN_UNITS_FOR_INTERVAL records; bias-corrected)."""
    if n < MIN_UNITS_FOR_INTERVAL or agree in (0, n):
        return None
    rng = np.random.default_rng(seed)
    boot = rng.binomial(n, agree / n, size=n_boot) / n
    return bc_interval(boot, agree / n)


def stage_agreement(*, review: Review, stage: str, viewer=None) -> dict:
    """Agreement of the two screeners at `stage` on the records both decided (include,
    exclude and maybe as nominal categories; two raters): percent agreement, Cohen's kappa
    and Gwet's AC1 with their intervals and warnings (coding.reliability.coefficients),
    and the 3x3 table. E.g. {"stage": "title_abstract", "records": 40, "percent_agreement":
    0.85, "cohen_kappa": 0.7, ...}."""
    pairs = _pairs(review, stage, viewer)
    table = {i: {"a": a, "b": b} for i, (a, b) in enumerate(pairs)}
    result = {"stage": stage, "label": dict(ScreeningStage.choices)[stage],
              "records": len(pairs)}
    matrix = [[sum(1 for a, b in pairs if (a, b) == (x, y)) for y in CATEGORIES]
              for x in CATEGORIES]
    result["matrix"] = {"labels": CATEGORIES, "rows": matrix}
    if not pairs:
        result.update({"percent_agreement": None, "cohen_kappa": None, "gwet_ac1": None,
                       "warnings": [], "estimable": None})
        return result
    coded, _scale = encode(table, categories=CATEGORIES, coders=["a", "b"])
    stats = row_statistics(coded, level="nominal")
    agree = sum(1 for a, b in pairs if a == b)
    interval = _percent_interval(agree, len(pairs))
    result.update({
        "percent_agreement": stats["percent_agreement"],
        "percent_agreement_ci_low": interval[0] if interval else None,
        "percent_agreement_ci_high": interval[1] if interval else None,
        "cohen_kappa": stats["cohen_kappa"],
        "cohen_kappa_ci_low": stats["cohen_kappa_ci_low"],
        "cohen_kappa_ci_high": stats["cohen_kappa_ci_high"],
        "gwet_ac1": stats["gwet_ac1"], "ac1_ci_low": stats["ac1_ci_low"],
        "ac1_ci_high": stats["ac1_ci_high"],
        "estimable": stats["estimable"], "warnings": stats["warnings"],
        "interval_method": stats["interval_method"],
    })
    return result


def screening_agreement(*, review: Review, viewer=None) -> dict:
    """Agreement per stage of the review (stage_agreement), and the interval rules."""
    return {
        "stages": [stage_agreement(review=review, stage=s, viewer=viewer)
                   for s in review_stages(review)],
        "min_units": MIN_UNITS_FOR_INTERVAL, "min_minority": MIN_MINORITY_VALUES,
        "max_dropped_percent": round(100 * MAX_DROPPED_SHARE), "ci_decimals": CI_DECIMALS,
    }


def has_screening(review: Review) -> bool:
    return ScreeningDecision.objects.filter(record__review=review).exists()


# --- the long table -------------------------------------------------------------------


def decisions_table(*, review: Review, viewer=None, chunk: int = 2000) -> Table:
    """Every decision of `review` as `record,screener,stage,decision,reason` (record: its
    external ID, else its id), those `viewer` may see when given (blind: a lead who screens
    gets nothing of the other screener's decision on a record they are blind on)."""
    decisions = ScreeningDecision.objects.filter(record__review=review)
    if viewer is not None:
        decisions = decisions_visible_to(viewer, decisions)
    decisions = decisions.order_by("record_id", "stage", "screener__username")

    rows = decisions.values_list("record_id", "record__external_id", "screener__username",
                                 "stage", "decision", "reason__key")

    def chunks():
        start = 0
        while page := list(rows[start:start + chunk]):
            yield [[ext or str(pk), who, stage, value, reason or ""]
                   for pk, ext, who, stage, value, reason in page]
            start += chunk

    return Table(sheet="screening", header=DECISION_COLUMNS, chunks=chunks())
