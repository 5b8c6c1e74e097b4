"""Writes of candidate records: importing a file as one search (all or nothing, a dry run
first), marking suspected duplicates and settling them (confirm or split), and making cases of
the records the review included.

Duplicates: a new record repeats a record of the same review (from any search, or earlier in
the same file) when both have the same DOI, or the same normalised title (Record.title_key) and
the same year (both unknown counts as the same). It is marked `suspected`, pointing at the record
kept (`duplicate_of`, never itself a duplicate); the lead confirms (`confirmed`: removed from
screening, counted per source for PRISMA) or splits (`split`: screened as a record of its own).
Two records of one file with the same DOI are treated alike: the second is suspected, since a
source that lists a report twice is one the lead should see.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coding.audit.services import audit_record, audit_record_many
from coding.fileio import ImportFailed
from coding.input_limits import RECORD_FIELD_MAX
from coding.models import (
    Case,
    DuplicateStatus,
    ImportKind,
    Record,
    Review,
    ScreeningSettings,
    Search,
)
from coding.public.counts import dashboard_counts_refresh
from coding.records.parsers import RecordData, records_read
from coding.records.policies import may_manage_records
from coding.records.selectors import included_records_without_case
from coding.reviews.importers import natural_sort_key
from coding.reviews.services import review_data_changed
from coding.values import max_length, text_problem

BATCH = 2000
# How many records the dry run and the result show one by one.
FIRST_ROWS = 10
SEARCH_QUERY_MAX = 10_000


class _DryRun(Exception):
    def __init__(self, summary: dict):
        self.summary = summary


def search_fields_clean(*, source: str, searched_on, query: str) -> dict:
    """The search's source, date and query, checked; raises ValidationError naming the field."""
    source = (source or "").strip()
    query = (query or "").strip()
    errors = {}
    if not source:
        errors["source"] = _("Name the source the records come from (a database, register or "
                             "website, e.g. \"Nesta\").")
    else:
        problem = text_problem(source, multiline=False)
        if problem is None and len(source) > 200:
            problem = _("is too long (at most 200 characters)")
        if problem:
            errors["source"] = _("The source %(problem)s.") % {"problem": problem}
    problem = text_problem(query)
    if problem is None and len(query) > SEARCH_QUERY_MAX:
        problem = _("is too long (at most %(limit)s characters)") % {
            "limit": f"{SEARCH_QUERY_MAX:,}"}
    if problem:
        errors["query"] = _("The query %(problem)s.") % {"problem": problem}
    if isinstance(searched_on, str):
        text = searched_on.strip()
        searched_on = None
        if text:
            try:
                searched_on = datetime.date.fromisoformat(text)
            except ValueError:
                errors["searched_on"] = _("The date must be written YYYY-MM-DD, e.g. "
                                          "2024-03-15.")
    if searched_on is not None and not errors.get("searched_on") and not (
            datetime.date(1900, 1, 1) <= searched_on <= datetime.date.today()
            + datetime.timedelta(days=1)):
        errors["searched_on"] = _("The date of the search must be between 1900 and today.")
    if errors:
        raise ValidationError(errors)
    return {"source": source, "searched_on": searched_on, "query": query}


def records_import(*, review: Review, path: Path | str, source: str, searched_on=None,
                   query: str = "", filename: str = "", actor=None, dry_run: bool = False,
                   check_actor: bool = True) -> dict:
    """Import a records file into `review` as one search; a summary of what it did (or, with
    `dry_run`, would do): {"records", "suspected", "suspected_in_file", "search", "format",
    "first": [the first rows]}. A bad file raises ImportFailed and imports nothing; bad search
    fields raise ValidationError. `check_actor=False` is for the command line, whose user is the
    server's operator."""
    if check_actor and not may_manage_records(actor, review):
        raise ValidationError(_("Only a lead of this review can import records."), code="role")
    fields = search_fields_clean(source=source, searched_on=searched_on, query=query)
    path = Path(path)
    records = records_read(path)
    try:
        with transaction.atomic():
            summary = _store(review, records, fields, filename or path.name, actor)
            if dry_run:
                raise _DryRun(summary)
    except _DryRun as dry:
        return {**dry.summary, "search": None}
    return summary


def _store(review: Review, records: list[RecordData], fields: dict, filename: str,
           actor) -> dict:
    # One import at a time per review: each sees the records of the one before (duplicates).
    Review.objects.select_for_update().filter(pk=review.pk).first()
    # A review with records screens them: its settings (stages, criteria) start at the defaults,
    # and the review's menu offers Screening from now on.
    ScreeningSettings.objects.get_or_create(review=review)
    search = Search.objects.create(review=review, filename=filename[:255], count=len(records),
                                   created_by=actor if getattr(actor, "is_authenticated", False)
                                   else None, **fields)
    by_doi: dict[str, tuple[int | None, int | None]] = {}
    by_title: dict[tuple[str, int | None], tuple[int | None, int | None]] = {}
    kept = Record.objects.filter(review=review).exclude(
        duplicate_status__in=(DuplicateStatus.SUSPECTED, DuplicateStatus.CONFIRMED))
    for pk, doi, key, year in kept.values_list("pk", "doi", "title_key", "year").order_by("pk"):
        if doi:
            by_doi.setdefault(doi, (pk, None))
        if key:
            by_title.setdefault((key, year), (pk, None))
    rows: list[Record] = []
    matches: list[tuple[int | None, int | None]] = []  # (kept record's pk, or its index here)
    in_file = 0
    for index, data in enumerate(records):
        key = data.title_key
        match = (by_doi.get(data.doi) if data.doi else None) or by_title.get((key, data.year))
        if match is None:
            if data.doi:
                by_doi.setdefault(data.doi, (None, index))
            if key:
                by_title.setdefault((key, data.year), (None, index))
        elif match[1] is not None:
            in_file += 1
        matches.append(match)
        rows.append(Record(
            review=review, search=search, external_id=data.external_id, title=data.title,
            authors="\n".join(data.authors), year=data.year, abstract=data.abstract,
            url=data.url, doi=data.doi, title_key=key,
            duplicate_status=DuplicateStatus.SUSPECTED if match else DuplicateStatus.NONE,
            duplicate_of_id=match[0] if match else None))
    for start in range(0, len(rows), BATCH):
        Record.objects.bulk_create(rows[start:start + BATCH])
    if any(row.pk is None for row in rows):  # a database that returns no ids on bulk insert
        ids = list(Record.objects.filter(search=search).order_by("pk").values_list("pk",
                                                                                   flat=True))
        for row, pk in zip(rows, ids, strict=True):
            row.pk = row.id = pk
    later = []
    for row, match in zip(rows, matches, strict=True):
        if match and match[1] is not None:
            row.duplicate_of_id = rows[match[1]].pk
            later.append(row)
    Record.objects.bulk_update(later, ["duplicate_of"], batch_size=BATCH)
    suspected = sum(1 for match in matches if match)
    titles = {pk: title for pk, title in Record.objects.filter(
        pk__in={row.duplicate_of_id for row in rows[:FIRST_ROWS] if row.duplicate_of_id}
    ).values_list("pk", "title")}
    first = [{**{k: v for k, v in asdict(data).items() if k != "abstract"},
              "authors": data.authors[:3], "more_authors": max(len(data.authors) - 3, 0),
              "duplicate_of": titles.get(row.duplicate_of_id, "") if row.duplicate_of_id
              else None}
             for data, row in zip(records[:FIRST_ROWS], rows, strict=False)]
    summary = {"records": len(rows), "suspected": suspected, "suspected_in_file": in_file,
               "search": search.pk, "source": fields["source"], "first": first}
    audit_record(actor=actor, action="records.import", obj=search, review=review, data={
        "filename": search.filename, "source": search.source, "records": len(rows),
        "suspected": suspected})
    review_data_changed(review=review)
    return summary


# --- browser imports (the Records page): coding.imports' jobs, checked and run in the background


def records_import_job_create(*, review: Review, upload, source: str, searched_on, query: str,
                              actor):
    """Store an uploaded records file with its search's fields and queue its dry run (the
    Import page's jobs: coding.imports.services)."""
    from coding.imports.services import import_job_create

    if not may_manage_records(actor, review):
        raise ValidationError(_("Only a lead of this review can import records."), code="role")
    fields = search_fields_clean(source=source, searched_on=searched_on, query=query)
    options = {**fields, "searched_on": fields["searched_on"].isoformat()
               if fields["searched_on"] else ""}
    return import_job_create(review=review, kind=ImportKind.RECORDS, upload=upload, actor=actor,
                             options=options)


def records_import_for_job(*, job, path: Path, dry_run: bool) -> dict:
    """The import of a job's file (coding.imports.services runs it in its transaction)."""
    options = job.options or {}
    return records_import(review=job.review, path=path, source=options.get("source", ""),
                          searched_on=options.get("searched_on") or None,
                          query=options.get("query", ""), filename=job.filename,
                          actor=job.created_by, dry_run=dry_run, check_actor=False)


# --- duplicates -------------------------------------------------------------------------------


def _settle(*, record: Record, actor, status: str, action: str) -> Record:
    if not may_manage_records(actor, record.review):
        raise ValidationError(_("Only a lead of this review can settle duplicates."),
                              code="role")
    with transaction.atomic():
        current = Record.objects.select_for_update().filter(pk=record.pk).first()
        if current is None or current.duplicate_status != DuplicateStatus.SUSPECTED:
            raise ValidationError(_("This record is no longer a suspected duplicate (someone "
                                    "settled it meanwhile); nothing was changed."),
                                  code="conflict")
        current.duplicate_status = status
        current.save(update_fields=["duplicate_status"])
        audit_record(actor=actor, action=action, obj=current, review=current.review,
                     data={"duplicate_of": current.duplicate_of_id})
        review_data_changed(review=current.review_id)
    return current


def duplicate_confirm(*, record: Record, actor) -> Record:
    """The suspected duplicate is one: removed from screening, counted for its source."""
    return _settle(record=record, actor=actor, status=DuplicateStatus.CONFIRMED,
                   action="record.duplicate_confirm")


def duplicate_split(*, record: Record, actor) -> Record:
    """The suspected duplicate is not one: it is screened as a record of its own."""
    return _settle(record=record, actor=actor, status=DuplicateStatus.SPLIT,
                   action="record.duplicate_split")


# --- included records become cases -------------------------------------------------------------


def record_citation(record: Record) -> str:
    """Where the case came from: its link, else its DOI's, else a citation (authors, year,
    title), e.g. "https://doi.org/10.1000/xyz"."""
    if record.url:
        return record.url
    if record.doi:
        return f"https://doi.org/{record.doi}"
    authors = record.authors.splitlines()
    who = authors[0] + (" et al." if len(authors) > 1 else "") if authors else ""
    when = f" ({record.year})" if record.year else ""
    text = f"{who}{when}. {record.title}" if who else f"{record.title}{when}"
    return text[:max_length("case_source")]


def cases_from_included_records(*, review: Review, actor) -> list[Case]:
    """A case for every record the review included (at its final stage) that has none yet:
    its title, year, source and abstract (as the summary), numbered after the review's highest
    number; each record then points at its case. Running it again makes none twice. Audited
    per case."""
    if not may_manage_records(actor, review):
        raise ValidationError(_("Only a lead of this review can create cases from records."),
                              code="role")
    with transaction.atomic():
        Review.objects.select_for_update().filter(pk=review.pk).first()
        records = list(included_records_without_case(review).select_for_update())
        if not records:
            return []
        numbers = set(review.cases.values_list("number", flat=True))
        next_number = max((natural_sort_key(n) for n in numbers), default=0) + 1
        cases = []
        for record in records:
            while str(next_number) in numbers:
                next_number += 1
            number = str(next_number)
            numbers.add(number)
            cases.append(Case(
                review=review, number=number, sort_key=next_number,
                title=record.title[:max_length("case_title")], country="", year=record.year,
                summary=record.abstract[:max_length("case_summary")],
                source=record_citation(record)))
        Case.objects.bulk_create(cases)
        ids = dict(review.cases.filter(number__in=[c.number for c in cases])
                   .values_list("number", "pk"))
        for case, record in zip(cases, records, strict=True):
            case.pk = case.id = ids[case.number]
            record.case_id = case.pk
        Record.objects.bulk_update(records, ["case"], batch_size=BATCH)
        audit_record_many(actor=actor, action="case.create_from_record", model=Case, events=[
            (case.pk, review.pk, {"number": case.number, "record": record.pk})
            for case, record in zip(cases, records, strict=True)])
        dashboard_counts_refresh([case.pk for case in cases])
        review_data_changed(review=review)
    return cases


__all__ = [
    "ImportFailed", "RECORD_FIELD_MAX", "cases_from_included_records", "duplicate_confirm",
    "duplicate_split", "records_import", "records_import_job_create", "search_fields_clean",
]
