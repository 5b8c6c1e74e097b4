"""PRISMA 2020 flow counts of a review, from its records, searches and settled screening
outcomes (never from a single screener's decision, so the counts say nothing while a record is
still blind). A box the data cannot give takes the count the review reports
(ScreeningSettings.reported_counts); a box in neither is "not reported" (None), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coding.models import (
    DuplicateStatus,
    Record,
    Review,
    ScreeningDecisionValue,
    ScreeningOutcome,
    ScreeningSettings,
    ScreeningStage,
    ScreeningStages,
    Search,
)
from coding.screening.policies import stages_of

# Every box of the diagram, in reading order: its key in the API and reported_counts, its label.
BOXES = {
    "identified": gettext_lazy("Records identified"),
    "duplicates_removed": gettext_lazy("Duplicate records removed"),
    "automation_removed": gettext_lazy("Records marked as ineligible by automation tools"),
    "other_removed": gettext_lazy("Records removed for other reasons"),
    "screened": gettext_lazy("Records screened"),
    "screened_excluded": gettext_lazy("Records excluded"),
    "sought": gettext_lazy("Reports sought for retrieval"),
    "not_retrieved": gettext_lazy("Reports not retrieved"),
    "assessed": gettext_lazy("Reports assessed for eligibility"),
    "assessed_excluded": gettext_lazy("Reports excluded"),
    "included": gettext_lazy("Studies included in review"),
}


@dataclass
class PrismaFlow:
    stages: str
    counts: dict[str, int | None]
    # Boxes whose count comes from ScreeningSettings.reported_counts rather than the data.
    reported: set[str] = field(default_factory=set)
    # [(source, count or None)], one per source in the order first searched.
    sources: list[tuple[str, int | None]] = field(default_factory=list)
    # [(reason label or None: no reason given, count)] of the reports excluded at the last
    # stage.
    reasons: list[tuple[str | None, int]] = field(default_factory=list)
    # Records not yet settled at each stage (not a PRISMA box: "still being screened").
    awaiting: dict[str, int] = field(default_factory=dict)

    @property
    def recorded(self) -> bool:
        """Whether the review recorded anything of its stage one (a source or any count)."""
        return bool(self.sources) or any(n is not None for n in self.counts.values())

    def as_data(self) -> dict:
        """The API's JSON: every box with its count (null: not reported)."""
        return {
            "stages": self.stages,
            "boxes": {
                key: {"label": str(label), "count": self.counts.get(key),
                      "reported_by_review": key in self.reported}
                for key, label in BOXES.items()
            },
            "sources": [{"source": source, "count": count} for source, count in self.sources],
            "exclusion_reasons": [{"reason": reason_label(reason), "count": count}
                                  for reason, count in self.reasons],
            "awaiting": self.awaiting,
        }


def reason_label(reason: str | None) -> str:
    return reason if reason else _("No reason given")


def _reported(settings: ScreeningSettings | None) -> dict[str, int]:
    values = settings.reported_counts if settings else {}
    return {key: value for key, value in (values or {}).items()
            if key in BOXES and isinstance(value, int) and not isinstance(value, bool)
            and value >= 0}


def prisma_flow(review: Review) -> PrismaFlow:
    settings = ScreeningSettings.objects.filter(review=review).first()
    stages = settings.stages if settings else ScreeningStages.BOTH
    # Which stages the review screens in: screening's one rule (a review without settings
    # screens in both).
    used = set(stages_of(stages))
    reported = _reported(settings)
    counts: dict[str, int | None] = dict.fromkeys(BOXES)

    # Identification: per source, the search's own count, else the records it brought.
    per_search = (Search.objects.filter(review=review)
                  .annotate(n_records=Count("records")).order_by("created_at", "pk"))
    sources: dict[str, int | None] = {}
    for search in per_search:
        n = search.count if search.count is not None else (search.n_records or None)
        if search.source in sources:
            previous = sources[search.source]
            sources[search.source] = None if previous is None or n is None else previous + n
        else:
            sources[search.source] = n
    known = [n for n in sources.values() if n is not None]
    if sources and len(known) == len(sources):
        counts["identified"] = sum(known)

    records = Record.objects.filter(review=review)
    summary = records.aggregate(
        total=Count("pk"),
        duplicates=Count("pk", filter=Q(duplicate_status=DuplicateStatus.CONFIRMED)),
        not_retrieved=Count("pk", filter=Q(full_text_retrieved=False)),
    )
    has_records = summary["total"] > 0
    kept = summary["total"] - summary["duplicates"]
    awaiting: dict[str, int] = {}
    if has_records:
        counts["duplicates_removed"] = summary["duplicates"]
        outcomes = {
            (row["stage"], row["decision"]): row["n"]
            for row in ScreeningOutcome.objects.filter(record__review=review)
            .exclude(record__duplicate_status=DuplicateStatus.CONFIRMED)
            .values("stage", "decision").annotate(n=Count("pk"))
        }

        def settled(stage, decision=None):
            if decision:
                return outcomes.get((stage, decision), 0)
            return sum(n for (s, _d), n in outcomes.items() if s == stage)

        include, exclude = ScreeningDecisionValue.INCLUDE, ScreeningDecisionValue.EXCLUDE
        ta, ft = ScreeningStage.TITLE_ABSTRACT, ScreeningStage.FULL_TEXT
        if ta in used:
            counts["screened"] = settled(ta)
            counts["screened_excluded"] = settled(ta, exclude)
            awaiting[ta] = kept - settled(ta)
        if ft in used:
            sought = settled(ta, include) if ta in used else kept
            counts["sought"] = sought
            counts["not_retrieved"] = summary["not_retrieved"]
            counts["assessed"] = settled(ft)
            counts["assessed_excluded"] = settled(ft, exclude)
            awaiting[ft] = max(sought - summary["not_retrieved"] - settled(ft), 0)
        final = ft if ft in used else ta
        counts["included"] = settled(final, include)
        reasons = [
            (row["reason__label"] or None, row["n"])
            for row in ScreeningOutcome.objects.filter(
                record__review=review, stage=final, decision=exclude)
            .exclude(record__duplicate_status=DuplicateStatus.CONFIRMED)
            .values("reason__label", "reason__order")
            .annotate(n=Count("pk")).order_by("reason__order", "reason__label")
        ]
    else:
        reasons = []

    taken = set()
    for key, value in reported.items():
        if counts.get(key) is None:
            counts[key] = value
            taken.add(key)
    return PrismaFlow(stages=stages, counts=counts, reported=taken,
                      sources=list(sources.items()), reasons=reasons, awaiting=awaiting)
