"""Importers for codebooks (YAML, JSON, REFI-QDA `.qdc`) and cases (CSV, `.xlsx`).

Each importer validates the whole file first and writes inside one transaction,
so a file with a bad row writes nothing; the error names the file, the row
and the reason.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from coding.dbbulk import insert_objects, insert_rows
from coding.exports import Table, case_chunks, csv_write
from coding.fileio import ImportFailed
from coding.locks import cases_lock
from coding.models import Case, Review, ServiceArea
from coding.public.counts import dashboard_counts_refresh
from coding.public.selectors import service_area_names
from coding.regions import region_for_country
from coding.reviews.codebook_files import codebook_file_load
from coding.reviews.codebooks import (  # noqa: F401 (importable from here as before)
    ATTRIBUTE_KEYS,
    CODEBOOK_KEYS,
    OPTION_KEYS,
    SECTION_KEYS,
    CodebookInvalid,
    CodebookResult,
    _fits_in_place,
    codebook_as_dict,
    codebook_file_data,
    codebook_store,
    codebook_validate,
    codebook_yaml,
)
from coding.reviews.services import review_data_changed
from coding.tables import table_rows
from coding.values import text_problem

__all__ = ["ImportFailed", "cases_import", "cases_export", "codebook_as_dict", "codebook_import"]


# --- codebook ---------------------------------------------------------------

# The rules live in coding/reviews/codebooks.py (one validation and one entry point for the
# importer, the editor page and the API); these names stay importable from here.


def codebook_import(
    *, path: Path | str, review_slug: str, actor=None, lead=None
) -> CodebookResult:
    """Load a codebook file (YAML, JSON or REFI-QDA .qdc: codebook_files.codebook_file_load)
    into a review, creating the review if needed (led by `lead`, an account, if given;
    `lead` also becomes a lead of an existing review), through codebooks.codebook_store
    (which says when a change updates the current version in place and when it makes a
    new version)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFailed(path, "file", error.strerror or str(error)) from None
    raw = codebook_file_load(str(path), data)
    try:
        with transaction.atomic():
            # Checked before the review is made: a bad file creates no review either.
            title = codebook_validate(raw)["title"]
            _, created, lead_added = _review_for_import(review_slug, title, lead, True, path)
            result = codebook_store(review_slug=review_slug, data=raw, actor=actor)
    except CodebookInvalid as error:
        raise ImportFailed(path, error.where, error.reason) from None
    result.review_created, result.lead_added = created, lead_added
    return result


def _review_for_import(slug: str, title: str, lead, create: bool, path: Path):
    """The review an import writes into: (review, created, lead_added). A review the import
    creates goes through the review services (audited, led by `lead` if given); an existing
    one gets `lead` as a lead if they are not one yet."""
    from coding.reviews.services import review_create_for_import, review_lead_ensure

    review = Review.objects.filter(slug=slug).first()
    try:
        if review is not None:
            added = lead is not None and review_lead_ensure(review=review, user=lead)
            return review, False, added
        if not create:
            raise ImportFailed(path, "review", gettext(
                "no review with slug %(slug)s; import its codebook first") % {
                "slug": repr(slug)})
        review = review_create_for_import(slug=slug, title=title, lead=lead)
    except ValidationError as error:
        raise ImportFailed(path, "review", " ".join(error.messages)) from None
    return review, True, lead is not None


# --- cases ------------------------------------------------------------------

CASE_COLUMNS = ["number", "title", "country", "year", "service_area", "summary", "source"]


@dataclass
class CasesResult:
    review: Review
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    service_areas: list[str] = field(default_factory=list)
    review_created: bool = False  # the import created the review
    lead_added: bool = False  # `lead` was given the lead role
    # What the import adds and changes, case by case (the first DETAIL_MAX of each; the
    # Import page's dry run shows them): numbers added, and per changed case its changes
    # as (column, old, new).
    added: list[str] = field(default_factory=list)
    changes: list[tuple[str, list[tuple[str, str, str]]]] = field(default_factory=list)
    sheet: str | None = None  # the worksheet read, for an .xlsx file


# How many cases an import's result names one by one (the counts say how many in all).
DETAIL_MAX = 50
# How much of a changed text a result shows.
DETAIL_TEXT = 80


def natural_sort_key(number: str) -> int:
    digits = "".join(ch for ch in number if ch.isdigit())
    return int(digits[:9]) if digits else 0


def _parse_cases(path: Path, progress) -> tuple[list[dict], str | None]:
    """The file's cases (CSV or .xlsx, coding.tables) and the worksheet read."""
    rows, seen = [], {}
    table = table_rows(path, columns=CASE_COLUMNS, sheet="cases")
    for line, row in table:
        rows.append(_parse_case_row(path, table.where(line), line, row, seen))
        if line % 5000 == 0:
            progress("reading", line - 1, 0)
    progress("reading", len(rows), len(rows))
    if not rows:
        raise ImportFailed(path, table.whole, gettext("no cases found below the header"))
    return rows, table.sheet


# The maximum length of each case column (settings.INPUT_MAX_LENGTHS), None: checked
# below or only for control characters.
CASE_LIMITS = {
    "number": None, "title": "case_title", "country": "case_country", "year": None,
    "service_area": None, "summary": "case_summary", "source": "case_source",
}


def _parse_case_row(path: Path, where: str, line: int, row: dict, seen: dict) -> dict:
    """One row's case; `where` names the row in messages ("row 4", "Sheet1 row 4")."""
    values = {key: (row.get(key) or "").strip() for key in CASE_COLUMNS}
    for column, limit in CASE_LIMITS.items():
        problem = text_problem(values[column], limit=limit)
        if problem:
            raise ImportFailed(path, where, gettext(
                "%(column)s %(problem)s") % {
                "column": repr(column), "problem": problem})
    # Country and service area may be unknown, like the year; a case needs a number and a title.
    for column in ("number", "title"):
        if not values[column]:
            raise ImportFailed(path, where, gettext(
                "'%(column)s' is empty") % {
                "column": column})
    number = values["number"]
    if len(number) > 20:
        raise ImportFailed(path, where, gettext("'number' is longer than 20 characters"))
    if "/" in number or "?" in number or "#" in number:
        raise ImportFailed(path, where, gettext(
            "'number' %(number)s may not contain '/', '?' or '#'") % {
            "number": repr(number)})
    if number in seen:
        raise ImportFailed(
            path, where, gettext(
                "case number %(number)s already appears in row %(seen)s") % {
                "number": repr(number), "seen": seen[number]}
        )
    seen[number] = line
    year = None
    if values["year"] and values["year"].lower() != "unknown":
        try:
            year = int(values["year"])
        except ValueError:
            raise ImportFailed(
                path, where, gettext(
                    "'year' must be a whole number or empty, got %(values)s") % {
                    "values": repr(values['year'])}
            ) from None
        if not 1800 <= year <= 2100:
            raise ImportFailed(path, where, gettext(
                "'year' %(year)s is outside 1800-2100") % {
                "year": year})
    areas = [area.strip() for area in values["service_area"].split(";") if area.strip()]
    for area in areas:
        if len(area) > 100:
            raise ImportFailed(path, where, gettext(
                "service area %(area)s... is longer than 100 characters") % {
                "area": repr(area[:40])})
    return {**values, "year": year, "service_area": areas}


Progress = Callable[[str, int, int], None]  # (stage, done, total)
BATCH = 2000


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def cases_import(
    *, path: Path | str, review_slug: str, create_review: bool = False,
    progress: Progress | None = None, lead=None,
) -> CasesResult:
    """Create or update a review's cases from CSV, matching existing cases by number.

    All rows are checked first; then new cases are inserted and changed ones updated in
    batches inside one transaction. `progress(stage, done, total)` is told how far along
    it is (the import commands draw a progress bar with it). With `create_review` a missing
    review is created (led by `lead`, an account, if given); `lead` also becomes a lead of an
    existing review.
    """
    path = Path(path)
    progress = progress or _no_progress
    rows, sheet = _parse_cases(path, progress)
    with transaction.atomic():
        review, created, lead_added = _review_for_import(
            review_slug, review_slug, lead, create_review, path)
        result = CasesResult(review=review, review_created=created, lead_added=lead_added,
                             sheet=sheet)
        cases_lock(review.cases.all())  # before any write (coding.locks)
        areas = {}
        for name in sorted({a for row in rows for a in row["service_area"]}):
            areas[name], _ = ServiceArea.objects.get_or_create(
                name=name, defaults={"slug": _unique_area_slug(name)}
            )
        existing = {case.number: case for case in review.cases.all()}
        area_names = {area.pk: name for name, area in areas.items()}
        Through = Case.service_areas.through
        current_areas: dict[int, set[int]] = {}
        for case_id, area_id in Through.objects.filter(case__review=review).values_list(
            "case_id", "servicearea_id"
        ):
            current_areas.setdefault(case_id, set()).add(area_id)
        now = timezone.now()
        new_cases, new_areas, changed_cases, changed_fields = [], [], [], set()
        area_changes: dict[int, set[int]] = {}
        for row in rows:
            fields = {
                "title": row["title"],
                "country": row["country"],
                "region": region_for_country(row["country"]),
                "year": row["year"],
                "summary": row["summary"],
                "source": row["source"],
                "sort_key": natural_sort_key(row["number"]),
            }
            wanted_areas = {areas[name].pk for name in row["service_area"]}
            case = existing.get(row["number"])
            if case is None:
                new_cases.append(Case(review=review, number=row["number"], **fields))
                new_areas.append(wanted_areas)
                if len(result.added) < DETAIL_MAX:
                    result.added.append(row["number"])
                continue
            changed = [name for name, value in fields.items() if getattr(case, name) != value]
            if (changed or current_areas.get(case.pk, set()) != wanted_areas) and len(
                    result.changes) < DETAIL_MAX:
                result.changes.append((case.number, _case_changes(
                    case, fields, changed, current_areas.get(case.pk, set()), wanted_areas,
                    area_names)))
            for name in changed:
                setattr(case, name, fields[name])
            if changed:
                case.updated_at = now
                changed_cases.append(case)
                changed_fields.update(changed)
            if current_areas.get(case.pk, set()) != wanted_areas:
                area_changes[case.pk] = wanted_areas
            if changed or case.pk in area_changes:
                result.updated += 1
            else:
                result.unchanged += 1
        total = len(new_cases) + len(changed_cases)
        fields = ["review", "number", "sort_key", "title", "country", "region", "year",
                  "summary", "source", "consensus_complete", "created_at", "updated_at"]
        done = 0
        for start in range(0, len(new_cases), BATCH):
            batch = new_cases[start:start + BATCH]
            for case in batch:
                case.created_at = case.updated_at = now
            insert_objects(Case, fields, batch)
            done += len(batch)
            progress("writing", done, total)
        result.created = len(new_cases)
        if new_cases:
            ids = dict(review.cases.values_list("number", "pk"))
            for case in new_cases:
                case.pk = ids[case.number]
        for start in range(0, len(changed_cases), BATCH):
            batch = changed_cases[start:start + BATCH]
            Case.objects.bulk_update(batch, [*sorted(changed_fields), "updated_at"])
            done += len(batch)
            progress("writing", done, total)
        if area_changes:
            Through.objects.filter(case_id__in=list(area_changes)).delete()
        links = [
            (case.pk, area)
            for case, wanted in zip(new_cases, new_areas, strict=True) for area in wanted
        ] + [(case_id, area) for case_id, wanted in area_changes.items() for area in wanted]
        insert_rows(Through, ["case", "servicearea"], links)
        result.service_areas = sorted(areas)
        # Country, year and service areas are counted on the dashboard (coding.public.counts).
        dashboard_counts_refresh([case.pk for case in new_cases]
                                 + [case.pk for case in changed_cases] + list(area_changes))
        if result.created or result.updated:
            review_data_changed(review=review)
    return result


# The fields of a case's change, in the file's order (the region follows from the country:
# shown when it changes, such as for a case stored before the country was known).
SHOWN_FIELDS = ["title", "country", "region", "year", "summary", "source"]


def _case_changes(case: Case, fields: dict, changed: list[str], old_areas: set[int],
                  new_areas: set[int], area_names: dict[int, str]) -> list[tuple[str, str, str]]:
    """(column, old, new) of each column of `case` the file changes, texts shortened."""
    out = [(name, _shown(getattr(case, name)), _shown(fields[name]))
           for name in SHOWN_FIELDS if name in changed]
    if old_areas != new_areas:
        if old_areas - set(area_names):
            # Areas the file does not name: the (short) list of all areas, read once.
            area_names.update(ServiceArea.objects.values_list("pk", "name"))
        out.append(("service_area", "; ".join(sorted(area_names[a] for a in old_areas)),
                    "; ".join(sorted(area_names[a] for a in new_areas))))
    return out


def _shown(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= DETAIL_TEXT else text[:DETAIL_TEXT - 1] + "…"


# Cases an export holds at a time.
def cases_table(*, review: Review) -> Table:
    """The review's cases in the shape `import_cases` reads (CASE_COLUMNS), in (sort key,
    number) order, by the exports' chunked tuple reader; service areas one query a chunk."""
    def chunks():
        for chunk in case_chunks(review.cases.order_by("sort_key", "number"), (
                "pk", "number", "title", "country", "year", "summary", "source")):
            areas = service_area_names([row[0] for row in chunk])
            yield [[number, title, country, year, ";".join(areas.get(pk, [])), summary, source]
                   for pk, number, title, country, year, summary, source in chunk]

    return Table(sheet="cases", header=CASE_COLUMNS, chunks=chunks())


def cases_export(*, review: Review, out: IO[str]) -> int:
    """Write cases_table as CSV; returns the row count."""
    return csv_write(cases_table(review=review), out, lineterminator="\n")


def _unique_area_slug(name: str) -> str:
    base = slugify(name) or "area"
    slug, n = base, 2
    while ServiceArea.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
