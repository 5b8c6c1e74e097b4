"""Reader data computed once per review data version and kept in Django's cache.

`Review.data_version` is bumped in the transaction of every change readers can see
(coding.reviews.services.review_data_changed), and every key here holds it, so a reader never
gets figures older than the version they read: the version is read with the review, before
the data, so whatever is cached under a version is at least as new as that version. Entries
of older versions are never read again and expire.

What is cached is plain data (lists, dicts, strings, numbers and the codebook's dataclasses),
never a queryset: the codebook and the filters' choices (shared by the gallery, dashboard and
API), and the dashboard's charts for the whole review and for each set of filters.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.core.cache import cache
from django.utils import translation

from coding.models import Review
from coding.public.counts import (
    dashboard_counts,
    dashboard_counts_built,
    dashboard_counts_rebuild,
)
from coding.public.dashboard import Chart, ChartGroup, Dashboard
from coding.public.filters import CaseFilter, filter_choices
from coding.reviews.languages import codebook_languages, reader_language
from coding.reviews.selectors import CodebookInfo, review_codebook

# Change when the shape of what is cached changes, so a deployment never reads old entries.
FORMAT = 1
# Entries of a current version live this long (a day); a change makes a new key at once.
TIMEOUT = 24 * 60 * 60


def _key(review: Review, *parts: str, per_language: bool = True) -> str:
    # The creation time too: a review deleted and created again may get the same pk back.
    created = int(review.created_at.timestamp() * 1000)
    # And the reader's language: the codebook's labels (and the charts' words) are in it,
    # unless what is cached has no words (`per_language` False).
    language = reader_language() if per_language else "all"
    return ":".join(("coding", f"f{FORMAT}", "review", str(review.pk), str(created),
                     f"v{review.data_version}", language, *parts))


def filters_key(filters: dict[str, list[str]]) -> str:
    """The active filters (CaseFilter.active_filters) in one normal form, hashed: the same
    filters in any order of parameters or values give the same key; none give "all"."""
    if not filters:
        return "all"
    normal = urlencode(sorted((name, sorted(values)) for name, values in filters.items()),
                       doseq=True)
    return hashlib.sha256(normal.encode()).hexdigest()[:32]


def codebook_for(review: Review) -> CodebookInfo:
    """The review's codebook (coding.reviews.selectors.review_codebook), computed once per
    data version: one query when not cached, none when cached."""
    return cache.get_or_set(_key(review, "codebook"), lambda: review_codebook(review), TIMEOUT)


def choices_for(review: Review) -> dict:
    """The filters' choices (coding.public.filters.filter_choices), computed once per data
    version: two queries when not cached, none when cached."""
    return cache.get_or_set(_key(review, "choices"), lambda: filter_choices(review), TIMEOUT)


def case_filter_for(review: Review, data, queryset=None, request=None) -> CaseFilter:
    """The gallery's CaseFilter for `data` (request.GET), built from the cached codebook and
    choices; `request` tells the search which documents the viewer may see."""
    return CaseFilter(data, queryset=queryset, review=review, codebook=codebook_for(review),
                      choices=lambda: choices_for(review), request=request)


@dataclass
class DashboardData:
    total: int  # cases matching the filters
    complete: int  # of which with complete consensus
    groups: list[ChartGroup]

    @property
    def charts(self) -> list[Chart]:
        return [chart for group in self.groups for chart in group.charts]

    def chart(self, chart_id: str) -> Chart | None:
        return next((chart for chart in self.charts if chart.id == chart_id), None)


def dashboard_data(*, review: Review, case_filter: CaseFilter) -> DashboardData:
    """Every chart of the dashboard for the filter's valid values, computed once per (data
    version, filters) and cached as plain data; fresh Chart objects on every call."""
    filters = case_filter.active_filters()

    def compute() -> dict:
        # Without filters, from the precomputed counts when the review has them; any filter
        # (a country, an option, a search...) narrows the cases in ways the counts do not
        # keep, so a filtered dashboard runs the live queries for that request.
        counts = None if filters else dashboard_counts(review)
        board = Dashboard(review=review, cases=case_filter.qs, codebook=case_filter.codebook,
                          filters=filters, counts=counts)
        groups = board.groups()
        return {
            "total": board.total, "complete": board.complete,
            "groups": [{"title": group.title, "charts": [asdict(c) for c in group.charts]}
                       for group in groups],
        }

    if "q" in filters:
        # A search also reads the documents the viewer may see, which differ by viewer and
        # change without a new data version: computed for each request, never shared.
        raw = compute()
    else:
        # The charts' titles and notes are in the reader's language: one entry per language.
        key = _key(review, "dashboard", filters_key(filters))
        raw = cache.get_or_set(key, compute, TIMEOUT)
    return DashboardData(
        total=raw["total"], complete=raw["complete"],
        groups=[ChartGroup(group["title"], [Chart(**chart) for chart in group["charts"]])
                for group in raw["groups"]],
    )


def dashboard_warm(*, review_id: int) -> bool:
    """Compute and cache the whole review's dashboard for its current data version (the
    background task's body, queued when a change commits), so the first reader after a change
    does not wait for it. Returns whether it computed anything: nothing when another run
    already cached this version or the review is gone."""
    from coding.models import Case

    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        return False
    if not dashboard_counts_built(review):
        dashboard_counts_rebuild(review)  # off the request path, once per review
    warmed = False
    for language in codebook_languages():  # readers' data are cached per language
        with translation.override(language):
            if cache.get(_key(review, "dashboard", filters_key({}))) is not None:
                continue
            case_filter = case_filter_for(review, {}, Case.objects.filter(review=review))
            case_filter.form.is_valid()
            dashboard_data(review=review, case_filter=case_filter)
            choices_for(review)  # the page's filter form shows them
            prisma_for(review)  # and its selection diagram
            warmed = True
    return warmed


def latest_release_for(review: Review):
    """The review's newest release (number, date, data version) or None, once per data
    version: making a release starts a new version (coding.releases.services)."""
    from coding.releases.selectors import latest_release

    found = cache.get_or_set(_key(review, "latest-release"),
                             lambda: {"release": latest_release(review)}, TIMEOUT)
    return found["release"]


def prisma_for(review: Review):
    """The review's PRISMA flow counts (coding.prisma.selectors), once per data version: the
    screening and records services bump the version when a settled outcome, a record or a
    search changes. Labels are not in it, so one copy serves every language."""
    from coding.prisma.selectors import prisma_flow

    return cache.get_or_set(_key(review, "prisma", per_language=False),
                            lambda: prisma_flow(review), TIMEOUT)
