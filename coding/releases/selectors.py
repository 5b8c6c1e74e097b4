"""Reads of releases. A release's pages are drawn from its frozen rows (the public export's
rows at the freeze), through the same shapes the live gallery and dashboard use: a
CodebookInfo, cards, and counts per option."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from coding.models import Release, Review
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


@dataclass
class OptionCounts:
    key: str
    label: str
    coded: int  # cases with a value for this attribute
    rows: list[tuple[str, int]]  # (option label, cases), codebook order


def release_option_counts(release: Release) -> list[OptionCounts]:
    """Cases per option of every choice attribute in the release, from its frozen rows:
    the release's dashboard."""
    codebook = frozen_codebook(release)
    result = []
    for attribute in codebook.choice_attributes():
        counts: Counter = Counter()
        coded = 0
        for row in release.rows:
            value = row["consensus"].get(attribute.key)
            if value is None:
                continue
            coded += 1
            counts.update(set(_labels(value["value"])))
        result.append(OptionCounts(
            key=attribute.key, label=attribute.label, coded=coded,
            rows=[(label, counts.get(label, 0)) for _key, label in attribute.options],
        ))
    return result


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
