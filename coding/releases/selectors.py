"""Reads of releases. A release's pages are drawn from its frozen rows (the public export's
rows at the freeze), through the same shapes the live gallery and dashboard use: a
CodebookInfo, cards, and the live dashboard's charts (coding.public.dashboard.Dashboard),
fed with counts taken from the frozen rows instead of SQL aggregates (ReleaseCounts)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext

from coding.models import AttributeKind, Case, Release, ReleaseJob, ReleaseJobStatus, Review
from coding.public.counts import DashboardCounts
from coding.public.dashboard import Chart, ChartGroup, Dashboard
from coding.releases.policies import visible_releases
from coding.reviews.selectors import AttributeInfo, CodebookInfo

CARD_ATTRIBUTES = 4


def frozen_codebook(release: Release) -> CodebookInfo:
    """The codebook as it was at the freeze, as a CodebookInfo (no attribute ids: a
    release's values are labels already)."""
    by_key: dict[str, AttributeInfo] = {}
    sections: dict[str, list[AttributeInfo]] = {}
    for entry in release.codebook:
        info = AttributeInfo(
            key=entry["key"], label=entry["label"], kind=entry["kind"],
            help_text=entry.get("help_text", ""), required=entry.get("required", False),
            section=entry["section"],
            options=[(o["key"], o["label"]) for o in entry["options"]],
        )
        by_key[info.key] = info
        sections.setdefault(info.section, []).append(info)
    return CodebookInfo(sections=list(sections.items()), by_key=by_key)


def release_list(review: Review) -> QuerySet[Release]:
    return visible_releases(review)


def release_get(review: Review, number: int, *, archive: bool = False) -> Release | None:
    """The review's release `number`, its zip only when `archive` (the download)."""
    found = Release.objects.filter(review=review, number=number)
    return (found if archive else found.defer("archive")).first()


def latest_release(review: Review) -> Release | None:
    """The newest release (number, date and data version only), for the live pages'
    "changed since release N" line."""
    return (Release.objects.filter(review=review).order_by("-number")
            .only("id", "number", "created_at", "data_version").first())


def _labels(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is None or value == "":
        return []
    return [str(value)]


def release_cards(release: Release, page_number, per_page: int = 24) -> tuple[Page, list[dict]]:
    """One page of the release's cases as cards, like the live gallery's (no query: the
    rows are frozen). Example card: {"number": "3", "title": "...", "country": "UK",
    "year": 1999, "service_areas": ["Health care"], "labels": [("Level", "Local")]}."""
    codebook = frozen_codebook(release)
    shown = [a for a in codebook.choice_attributes() if a.required][:CARD_ATTRIBUTES]
    page = Paginator(release.rows, per_page).get_page(page_number)
    cards = []
    for row in page.object_list:
        labels = []
        for attribute in shown:
            value = row["consensus"].get(attribute.key)
            if value is not None:
                labels += [(attribute.label, label) for label in _labels(value["value"])]
        cards.append({"number": row["number"], "title": row["title"],
                      "country": row["country"], "year": row["year"],
                      "service_areas": row["service_areas"], "labels": labels})
    return page, cards


def release_summary(release: Release) -> dict:
    """What the API and the list say about a release. Never who made it."""
    return {
        "number": release.number, "title": release.title, "notes": release.notes,
        "authors": [a.strip() for a in release.authors.splitlines() if a.strip()],
        "created_at": release.created_at, "data_version": release.data_version,
        "counts": {"cases": release.case_count, "attributes": release.attribute_count,
                   "values": release.value_count},
        "changes": release.changes,
    }


def _stored(value) -> str:
    """A frozen row's year, region or country as a DashboardCounts key ("" for none)."""
    return "" if value is None or value == "" else f"v:{value}"


class ReleaseCounts(DashboardCounts):
    """The dashboard's counts of one release, from its frozen rows: the same answers the
    live precomputed counts (coding.public.counts.DashboardCounts) give, so the live
    dashboard's chart rules draw the release. The case facts (total, years, regions,
    countries) are kept as DashboardCounts keeps them and read by its code; what the live
    counts key by database id (options, service areas, pairs) is keyed here by the frozen
    codebook's keys and labels. Rows carry public consensus values only (complete cases)."""

    def __init__(self, release: Release, codebook: CodebookInfo):
        facts: Counter = Counter()
        self.areas: Counter = Counter()
        self.options: Counter = Counter()
        self.coverage: dict[str, dict] = {}
        self.chosen: list[dict[str, list[str]]] = []  # per case: attribute key -> option keys
        option_keys = {a.key: {label: key for key, label in reversed(a.options)}
                       for a in codebook.by_key.values()}
        for row in release.rows:
            facts[("cases", "", "")] += 1
            consensus = row.get("consensus") or {}
            if row.get("consensus_complete", bool(consensus)):
                facts[("complete", "", "")] += 1
            for name in ("year", "region", "country"):
                facts[(name, _stored(row.get(name)), "")] += 1
            self.areas.update(set(row.get("service_areas") or []))
            chosen: dict[str, list[str]] = {}
            for key, entry in consensus.items():
                attribute = codebook.by_key.get(key)
                if attribute is None:
                    continue
                coverage = self.coverage.setdefault(key, {"cases": 0, "yes": 0, "no": 0})
                coverage["cases"] += 1
                value = entry.get("value") if isinstance(entry, dict) else None
                if attribute.kind == AttributeKind.BOOLEAN:
                    if value in ("Yes", True):
                        coverage["yes"] += 1
                    elif value in ("No", False):
                        coverage["no"] += 1
                elif attribute.is_choice:
                    keys = [option_keys[key][label] for label in dict.fromkeys(_labels(value))
                            if label in option_keys[key]]
                    self.options.update((key, option) for option in keys)
                    chosen[key] = keys
            if chosen:
                self.chosen.append(chosen)
        super().__init__({key: n for key, n in facts.items() if n})

    def service_area_counts(self) -> list[dict]:
        # A release keeps service areas by name: no slug (its charts link nowhere).
        return [{"slug": "", "name": name, "cases": n}
                for name, n in sorted(self.areas.items(), key=lambda a: (-a[1], a[0]))]

    def option_counts(self, codebook: CodebookInfo) -> dict[tuple[str, str], int]:
        return dict(self.options)

    def attribute_coverage(self, codebook: CodebookInfo) -> dict[str, dict]:
        return {key: dict(entry) for key, entry in self.coverage.items()}

    def cooccurrences(self, pairs) -> dict[tuple[str, str], dict[tuple[str, str], int]]:
        counts: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
        for first, second in pairs:
            found: Counter = Counter()
            for chosen in self.chosen:
                for x in chosen.get(first.key, ()):
                    for y in chosen.get(second.key, ()):
                        found[(x, y)] += 1
            counts[(first.key, second.key)] = dict(found)
        return counts


class ReleaseDashboard(Dashboard):
    """The live dashboard's charts drawn from a release's counts. Its bars, cells and bands
    link nowhere: the live gallery shows other data, and a release's gallery has no filters."""

    def link(self, **extra: str) -> None:
        return None

    def by_country(self) -> Chart:
        chart = super().by_country()
        chart.note = gettext("Darker means more cases.")  # nothing to click through to
        return chart


@dataclass
class ReleaseDashboardData:
    total: int
    complete: int
    groups: list[ChartGroup]

    @property
    def charts(self) -> list[Chart]:
        return [chart for group in self.groups for chart in group.charts]

    def chart(self, chart_id: str) -> Chart | None:
        return next((chart for chart in self.charts if chart.id == chart_id), None)


def release_dashboard(review: Review, release: Release) -> ReleaseDashboardData:
    """The release's dashboard: every chart the live dashboard draws for the codebook as it
    was at the freeze, counted from the frozen rows (no query)."""
    codebook = frozen_codebook(release)
    board = ReleaseDashboard(review=review, cases=Case.objects.none(), codebook=codebook,
                             filters={}, counts=ReleaseCounts(release, codebook))
    return ReleaseDashboardData(total=board.total, complete=board.complete,
                                groups=board.groups())


def release_jobs(review: Review, limit: int = 5) -> list[ReleaseJob]:
    """The review's latest release requests, newest first, for its leads' status list."""
    return list(ReleaseJob.objects.filter(review=review).select_related("release")
                .defer("release__archive", "release__rows", "release__codebook")
                .order_by("-created_at", "-id")[:limit])


def release_job_active(review: Review) -> bool:
    return ReleaseJob.objects.filter(
        review=review, status__in=[ReleaseJobStatus.QUEUED, ReleaseJobStatus.RUNNING]).exists()


def release_job_state(job: ReleaseJob) -> dict:
    """What the API's status URL and the page's poll say about a request. Example:
    {"id": 4, "status": "done", "title": "Spring data", "error": "", "release": 2, ...}."""
    return {
        "id": job.pk, "status": job.status, "title": job.title,
        "requested_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "error": job.error,
        "release": job.release.number if job.release_id and job.release else None,
    }
