"""Making a release: the review's public data frozen as release N (coding.models.Release).

A release holds what readers may see, as the public exports write it: the cases with their
consensus (complete cases only carry values, coding.public.policies), the codebook, a
CITATION.cff and a README with the counts. It never holds a coding, a rationale or a
member's name (the authors are the words the lead typed)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import orjson
import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coding.audit.services import audit_record
from coding.exports import csv_pieces
from coding.input_limits import (
    RELEASE_MAX_AUTHORS_CHARS,
    RELEASE_MAX_CASES,
    RELEASE_MAX_NOTES_CHARS,
)
from coding.models import Case, Release, Review
from coding.public.cache import codebook_for
from coding.public.selectors import cases_table, export_rows_iter
from coding.releases.policies import may_create_release
from coding.releases.selectors import frozen_codebook
from coding.reviews.languages import review_source_language
from coding.reviews.services import review_data_changed

ARCHIVE_FORMAT = 1


def _json(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def _authors(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def release_changes(previous: list[dict] | None, rows: list[dict]) -> dict:
    """What changed from the previous release's rows to these, by case number. Example:
    {"previous": 1, "cases_added": ["12"], "cases_removed": [], "cases_changed": ["3"],
    "values_changed": 2} (a value: one attribute of one case in both releases whose
    consensus value or evidence differs, or that one of them lacks)."""
    if previous is None:
        return {}
    before = {row["number"]: row for row in previous}
    after = {row["number"]: row for row in rows}
    changed, values = [], 0
    for number, row in after.items():
        old = before.get(number)
        if old is None:
            continue
        if old != row:
            changed.append(number)
        old_values, new_values = old["consensus"], row["consensus"]
        values += sum(1 for key in set(old_values) | set(new_values)
                      if old_values.get(key) != new_values.get(key))
    return {
        "cases_added": [n for n in after if n not in before],
        "cases_removed": [n for n in before if n not in after],
        "cases_changed": changed,
        "values_changed": values,
    }


def citation_cff(*, review: Review, release: Release, base_url: str) -> str:
    """The release's CITATION.cff (Citation File Format 1.2.0): the data set as this
    release, with the review as the preferred citation."""
    authors = [{"name": name} for name in _authors(release.authors)]
    release_url = f"{base_url}/reviews/{review.slug}/releases/{release.number}/"
    created = release.created_at.date() if release.created_at else date.today()
    data = {
        "cff-version": "1.2.0",
        "message": "If you use these data, please cite them as below.",
        "type": "dataset",
        "title": f"{review.title}: {release.title}",
        "version": str(release.number),
        "date-released": created,
        "authors": authors,
        "url": release_url,
        "preferred-citation": {
            "type": "data",
            "title": review.title,
            "authors": authors,
            "url": f"{base_url}/reviews/{review.slug}/",
            "version": str(release.number),
            "date-released": created,
        },
    }
    if release.notes:
        data["abstract"] = release.notes
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _readme(review: Review, release: Release) -> str:
    lines = [
        f"{review.title}: release {release.number}",
        f"Title: {release.title}",
        f"Date: {release.created_at:%Y-%m-%d}",
        f"Data version: {release.data_version}",
        f"Cases: {release.case_count}",
        f"Attributes: {release.attribute_count}",
        f"Consensus values: {release.value_count}",
        "",
        "Files:",
        "  cases.csv      the cases with their consensus values (complete cases only)",
        "  cases.json     the same as JSON, with the codebook",
        "  codebook.json  the attributes and their options",
        "  CITATION.cff   how to cite this release",
    ]
    if release.notes:
        lines += ["", release.notes]
    return "\n".join(lines) + "\n"


def release_archive(*, review: Review, release: Release, base_url: str) -> bytes:
    """The zip readers download: cases.csv, cases.json, codebook.json, CITATION.cff and
    README.txt, in a folder named after the review and release."""
    codebook = frozen_codebook(release)
    rows = release.rows
    case_base = f"{base_url}/reviews/{review.slug}/cases/"

    def case_url(number):
        return f"{case_base}{number}/"

    folder = f"{review.slug}-release-{release.number}/"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(folder + "cases.csv",
                         "".join(csv_pieces(cases_table(codebook, rows, case_url))))
        archive.writestr(folder + "cases.json", _json({
            "review": {"slug": review.slug, "title": review.title,
                       "url": f"{base_url}/reviews/{review.slug}/"},
            "release": release.number, "attributes": release.codebook,
            "count": len(rows),
            "cases": [{**row, "url": case_url(row["number"])} for row in rows],
        }))
        archive.writestr(folder + "codebook.json", _json(release.codebook))
        archive.writestr(folder + "CITATION.cff",
                         citation_cff(review=review, release=release, base_url=base_url))
        archive.writestr(folder + "README.txt", _readme(review, release))
    return out.getvalue()


@transaction.atomic
def release_create(*, review: Review, actor, title: str, authors: str, notes: str = "",
                   base_url: str) -> Release:
    """Freeze the published review's public data as its next release (numbered from 1).
    Only its leads may. `authors`: one per line, as they should be cited. `base_url`: the
    site's address ("https://host"), for the links in the files. Recorded in the audit log.
    Raises ValidationError with a reader-facing message on bad input; nothing is stored."""
    if not may_create_release(actor, review):
        raise ValidationError(_("Only a lead of this review can make a release."), code="role")
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.is_published:
        raise ValidationError(_("Publish the review before making a release: a release "
                                "freezes what readers see."), code="unpublished")
    title, authors, notes = title.strip(), authors.strip(), notes.strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the release a title.")
    elif len(title) > 300:
        errors["title"] = _("The title is longer than 300 characters.")
    if not _authors(authors):
        errors["authors"] = _("Name the release's authors, one per line, as they should be "
                              "cited.")
    elif len(authors) > RELEASE_MAX_AUTHORS_CHARS:
        errors["authors"] = _("The authors are longer than %(n)d characters.") % {
            "n": RELEASE_MAX_AUTHORS_CHARS}
    if len(notes) > RELEASE_MAX_NOTES_CHARS:
        errors["notes"] = _("The notes are longer than %(n)d characters.") % {
            "n": RELEASE_MAX_NOTES_CHARS}
    if errors:
        raise ValidationError(errors)
    cases = Case.objects.filter(review=review).order_by("sort_key", "number", "id")
    total = cases.count()
    if total > RELEASE_MAX_CASES:
        raise ValidationError(_(
            "This review has %(total)d cases; a release holds at most %(limit)d."
        ) % {"total": total, "limit": RELEASE_MAX_CASES}, code="too_many")
    # The live pages say which release they match: they are cached per data version, so a
    # new release starts a new version, which the release records as its own.
    review_data_changed(review=review)
    review.refresh_from_db(fields=["data_version"])
    # In the codebook's own language, whoever makes it: releases compare their labels.
    language = review_source_language(review)
    with translation.override(language):
        codebook = codebook_for(review)
    rows = orjson.loads(orjson.dumps(list(export_rows_iter(cases=cases, codebook=codebook,
                                                           language=language))))
    previous = Release.objects.filter(review=review).order_by("-number").first()
    number = (Release.objects.filter(review=review).aggregate(n=Max("number"))["n"] or 0) + 1
    changes = release_changes(previous.rows if previous else None, rows)
    if previous:
        changes["previous"] = previous.number
    release = Release(
        review=review, number=number, created_by=actor, created_at=timezone.now(),
        data_version=review.data_version, title=title, authors=authors, notes=notes,
        case_count=len(rows), attribute_count=len(codebook.by_key),
        value_count=sum(len(row["consensus"]) for row in rows),
        codebook=[
            {"key": a.key, "label": a.label, "kind": a.kind, "section": a.section,
             "required": a.required, "help_text": a.help_text,
             "options": [{"key": k, "label": label} for k, label in a.options]}
            for a in codebook.by_key.values()
        ],
        rows=rows, changes=changes, archive=b"",
    )
    release.archive = release_archive(review=review, release=release, base_url=base_url)
    release.save()
    audit_record(actor=actor, action="release.create", obj=release, review=review,
                 data={"number": number, "data_version": review.data_version,
                       "cases": release.case_count, "format": ARCHIVE_FORMAT})
    return release
