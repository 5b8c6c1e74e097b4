"""Reads of candidate records: the final screening stage, the records screening sees, the Records
page's list and filters, duplicate pairs, and the counts PRISMA takes per source."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from coding.models import (
    DuplicateStatus,
    Record,
    Review,
    ScreeningDecisionValue,
    Search,
)
from coding.records.policies import record_visible_to

# Records that are not screened: a suspected duplicate waits for the lead, a confirmed one is
# removed (PRISMA: "duplicate records removed").
NOT_SCREENED = (DuplicateStatus.SUSPECTED, DuplicateStatus.CONFIRMED)


def final_stage(review: Review) -> str:
    """The stage whose outcome decides whether a record is included: the last of the stages
    the review screens in (coding.screening.policies.review_stages), e.g. "full_text"."""
    from coding.screening.policies import review_stages  # screening reads records' rules

    return review_stages(review)[-1]


def records_for_screening(review: Review) -> QuerySet[Record]:
    """The review's records that are screened: all but suspected and confirmed duplicates."""
    return Record.objects.filter(review=review).exclude(duplicate_status__in=NOT_SCREENED)


def included_records(review: Review, *, stage: str | None = None) -> QuerySet[Record]:
    """Records whose outcome at the final stage (`stage`, if the caller has it) is include
    (duplicates left out)."""
    return records_for_screening(review).filter(
        outcomes__stage=stage or final_stage(review),
        outcomes__decision=ScreeningDecisionValue.INCLUDE)


def included_records_without_case(review: Review, *, stage: str | None = None
                                  ) -> QuerySet[Record]:
    """Included records that have not become a case yet (the "Create cases" action's rows)."""
    return included_records(review, stage=stage).filter(case__isnull=True).order_by("pk")


# --- the Records page -------------------------------------------------------------------------

PAGE_SIZE = 50


def records_filtered(review: Review, *, search: str = "", source: str = "",
                     duplicate: str = "", year: str = "", text: str = "") -> QuerySet[Record]:
    """The review's records narrowed by the page's (and the API's) filters: a search's id, a
    source's name, a duplicate status ("none", "suspected", "confirmed", "split"), a year and
    a text in the title. Unknown values narrow to nothing rather than being ignored."""
    rows = Record.objects.filter(review=review).select_related("search", "duplicate_of", "case")
    if search:
        rows = rows.filter(search_id=int(search)) if search.isdigit() else rows.none()
    if source:
        rows = rows.filter(search__source=source)
    if duplicate:
        status = "" if duplicate == "none" else duplicate
        rows = rows.filter(duplicate_status=status) if status in DuplicateStatus.values \
            else rows.none()
    if year:
        rows = rows.filter(year=int(year)) if year.isdigit() else rows.none()
    if text:
        rows = rows.filter(title__icontains=text)
    return rows.order_by("pk")


def records_summary(review: Review) -> dict:
    """The page's counts in one query, e.g. {"records": 120, "suspected": 3, "confirmed": 9,
    "split": 1}."""
    counts = Record.objects.filter(review=review).aggregate(
        records=Count("pk"),
        suspected=Count("pk", filter=Q(duplicate_status=DuplicateStatus.SUSPECTED)),
        confirmed=Count("pk", filter=Q(duplicate_status=DuplicateStatus.CONFIRMED)),
        split=Count("pk", filter=Q(duplicate_status=DuplicateStatus.SPLIT)),
    )
    return counts


def searches_with_counts(review: Review) -> list[Search]:
    """The review's searches, each with `imported` (its records here) and `removed` (those
    confirmed as duplicates)."""
    return list(Search.objects.filter(review=review).select_related("created_by").annotate(
        imported=Count("records"),
        removed=Count("records", filter=Q(records__duplicate_status=DuplicateStatus.CONFIRMED)),
    ).order_by("created_at", "pk"))


def record_filter_choices(review: Review) -> dict:
    """The values the page's filters offer: sources and years that occur."""
    return {
        "sources": list(Search.objects.filter(review=review).order_by("source")
                        .values_list("source", flat=True).distinct()),
        "years": list(Record.objects.filter(review=review, year__isnull=False)
                      .order_by("-year").values_list("year", flat=True).distinct()),
    }


def suspected_duplicates(review: Review, *, limit: int = 50) -> list[Record]:
    """Suspected duplicates with the record each is suspected of repeating (`duplicate_of`),
    oldest first; the page shows them side by side."""
    return list(Record.objects.filter(review=review, duplicate_status=DuplicateStatus.SUSPECTED)
                .select_related("search", "duplicate_of", "duplicate_of__search")
                .order_by("pk")[:limit])


def record_for(*, user, review: Review, pk: int) -> Record:
    """One record of the review for a member, else 404."""
    record = Record.objects.select_related("review", "search", "duplicate_of", "case").filter(
        review=review, pk=pk).first()
    if record is None or not record_visible_to(user, record):
        raise Http404("No such record")
    return record


# --- PRISMA: identification per source ----------------------------------------------------------


def records_identified_per_source(review: Review) -> dict[str, int | None]:
    """Records identified per source: the sum of its searches' counts (None when no search of
    the source has a count: not reported), e.g. {"Nesta": 120, "Governance International": None}."""
    out: dict[str, int | None] = {}
    for source, total in (Search.objects.filter(review=review).values("source")
                          .annotate(total=Sum("count")).values_list("source", "total")
                          .order_by("source")):
        out[source] = total
    return out


def duplicates_removed_per_source(review: Review) -> dict[str, int]:
    """Records removed as duplicates (confirmed by the lead) per source of the removed record,
    every source of the review listed (0 where none were), e.g. {"Nesta": 4, "Scopus": 0}."""
    rows = (Search.objects.filter(review=review).values("source")
            .annotate(removed=Count("records", filter=Q(
                records__duplicate_status=DuplicateStatus.CONFIRMED)))
            .values_list("source", "removed").order_by("source"))
    out: dict[str, int] = {}
    for source, removed in rows:
        out[source] = out.get(source, 0) + removed
    return out


def record_of_case(*, user, case) -> Record | None:
    """The record a case was made from, for the review's members (readers are not told; no
    query for them), else None."""
    from coding.reviews.policies import is_member

    if not is_member(user, case.review):
        return None
    return Record.objects.filter(case=case).only("pk", "title", "review_id").first()
