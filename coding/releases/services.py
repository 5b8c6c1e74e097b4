"""Making a release: the review's public data frozen as release N (coding.models.Release).

A release holds what readers may see, as the public exports write it: the cases with their
consensus (complete cases only carry values, coding.public.policies), the codebook, a
CITATION.cff and a README with the counts. It never holds a coding, a rationale or a
member's name (the authors are the words the lead typed)."""

from __future__ import annotations

import io
import logging
import time
import zipfile
from datetime import date, timedelta

import orjson
import yaml
from django.conf import settings
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
from coding.models import Case, Release, ReleaseJob, ReleaseJobStatus, Review
from coding.public.cache import codebook_for
from coding.public.selectors import cases_table, export_rows_iter
from coding.releases.policies import may_create_release
from coding.releases.selectors import frozen_codebook
from coding.reviews.languages import review_source_language
from coding.reviews.services import review_data_changed

ARCHIVE_FORMAT = 1
logger = logging.getLogger(__name__)


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


def _checked(*, review: Review, actor, title: str, authors: str, notes: str) -> tuple:
    """The lead's words, stripped, once the actor may make a release of this review and the
    words and the review's size fit; ValidationError with a reader-facing message if not."""
    if not may_create_release(actor, review):
        raise ValidationError(_("Only a lead of this review can make a release."), code="role")
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
    total = Case.objects.filter(review=review).count()
    if total > RELEASE_MAX_CASES:
        raise ValidationError(_(
            "This review has %(total)d cases; a release holds at most %(limit)d."
        ) % {"total": total, "limit": RELEASE_MAX_CASES}, code="too_many")
    return title, authors, notes


def _timeout_minutes() -> int:
    return settings.RELEASE_TASK_TIMEOUT_MINUTES


def _too_slow() -> ValidationError:
    return ValidationError(_(
        "Making the release took longer than %(minutes)d minutes, so it was stopped and "
        "nothing was stored. Try again when the site is less busy; if it happens again, ask "
        "the site's administrator to raise RELEASE_TASK_TIMEOUT_MINUTES."
    ) % {"minutes": _timeout_minutes()}, code="too_slow")


@transaction.atomic
def release_create(*, review: Review, actor, title: str, authors: str, notes: str = "",
                   base_url: str, deadline: float | None = None) -> Release:
    """Freeze the published review's public data as its next release (numbered from 1).
    Only its leads may. `authors`: one per line, as they should be cited. `base_url`: the
    site's address ("https://host"), for the links in the files. `deadline`: a
    time.monotonic() value past which the freeze stops (the background task's bound).
    Recorded in the audit log. Raises ValidationError with a reader-facing message on bad
    input or when too slow; nothing is stored. Pages and the API do not call this: they
    queue a request (release_request) that a background task carries out."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    title, authors, notes = _checked(review=review, actor=actor, title=title,
                                     authors=authors, notes=notes)
    cases = Case.objects.filter(review=review).order_by("sort_key", "number", "id")
    # The live pages say which release they match: they are cached per data version, so a
    # new release starts a new version, which the release records as its own.
    review_data_changed(review=review)
    review.refresh_from_db(fields=["data_version"])
    # In the codebook's own language, whoever makes it: releases compare their labels.
    language = review_source_language(review)
    with translation.override(language):
        codebook = codebook_for(review)
    rows = []
    for row in export_rows_iter(cases=cases, codebook=codebook, language=language):
        rows.append(row)
        if deadline is not None and len(rows) % 500 == 0 and time.monotonic() > deadline:
            raise _too_slow()
    rows = orjson.loads(orjson.dumps(rows))
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
    if deadline is not None and time.monotonic() > deadline:
        raise _too_slow()
    release.save()
    audit_record(actor=actor, action="release.create", obj=release, review=review,
                 data={"number": number, "data_version": review.data_version,
                       "cases": release.case_count, "format": ARCHIVE_FORMAT})
    return release


# --- in the background ------------------------------------------------------------------

ACTIVE = (ReleaseJobStatus.QUEUED, ReleaseJobStatus.RUNNING)
TASK = "coding.releases.tasks.make_release"


def _enqueue(job: ReleaseJob) -> None:
    from coding.releases.tasks import make_release

    def enqueue() -> None:
        try:
            make_release.enqueue(job_id=job.pk)
        except Exception:
            # The job stays queued; the worker's recovery queues it again.
            logger.exception("Could not queue release job %s", job.pk)

    transaction.on_commit(enqueue)


@transaction.atomic
def release_request(*, review: Review, actor, title: str, authors: str, notes: str = "",
                    base_url: str) -> ReleaseJob:
    """Ask for the review's next release: the lead's words are checked now (a
    ValidationError says what to fix, nothing is queued), then a background task freezes
    the data (release_job_run). One request of a review at a time."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    title, authors, notes = _checked(review=review, actor=actor, title=title,
                                     authors=authors, notes=notes)
    if ReleaseJob.objects.filter(review=review, status__in=ACTIVE).exists():
        raise ValidationError(_("A release of this review is being made already. Wait for it "
                                "to finish (the releases page shows its state), then make "
                                "the next one."), code="conflict")
    job = ReleaseJob.objects.create(review=review, title=title, authors=authors, notes=notes,
                                    base_url=base_url, created_by=actor,
                                    language=translation.get_language() or "")
    _enqueue(job)
    return job


def _fail(job_id: int, status: str, message: str) -> bool:
    return bool(ReleaseJob.objects.filter(pk=job_id, status=status).update(
        status=ReleaseJobStatus.FAILED, error=message[:2000], finished_at=timezone.now()))


def release_job_run(*, job_id: int) -> ReleaseJob | None:
    """Carry out a queued release request (the background task's body). Does nothing when
    another worker has claimed it or it has ended. Bounded in time
    (RELEASE_TASK_TIMEOUT_MINUTES); a failure leaves a message the lead can act on, and
    stores nothing. The release and the job's "done" commit together, so a job the
    recovery failed meanwhile never gets a release."""
    claimed = ReleaseJob.objects.filter(pk=job_id, status=ReleaseJobStatus.QUEUED).update(
        status=ReleaseJobStatus.RUNNING, started_at=timezone.now())
    job = ReleaseJob.objects.filter(pk=job_id).select_related("review", "created_by").first()
    if not claimed or job is None:
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        _run(job)
    job.refresh_from_db()
    return job


def _run(job: ReleaseJob) -> None:
    """release_job_run's freeze, in the lead's language (its messages are stored)."""
    deadline = time.monotonic() + 60 * _timeout_minutes()
    try:
        with transaction.atomic():
            release = release_create(
                review=job.review, actor=job.created_by, title=job.title,
                authors=job.authors, notes=job.notes, base_url=job.base_url,
                deadline=deadline)
            if not ReleaseJob.objects.filter(pk=job.pk, status=ReleaseJobStatus.RUNNING).update(
                    status=ReleaseJobStatus.DONE, release=release,
                    finished_at=timezone.now()):
                raise _Abandoned
    except _Abandoned:
        logger.warning("Release job %s was failed while it ran: its release was not kept",
                       job.pk)
    except ValidationError as error:
        _fail(job.pk, ReleaseJobStatus.RUNNING, " ".join(error.messages))
    except Exception:
        logger.exception("Release job %s failed", job.pk)
        _fail(job.pk, ReleaseJobStatus.RUNNING, _(
            "The release could not be made because of an error on the server; nothing was "
            "stored. Try again; if it fails again, ask the site's administrator to look at "
            "the background worker's log."))


class _Abandoned(Exception):
    """The job was no longer running when its release was ready: roll the release back."""


def release_jobs_recover() -> dict[str, int]:
    """Release requests whose task is neither queued nor running (its worker stopped, or it
    never reached the queue): a queued one is queued again (nothing had started); a running
    one is failed with a message saying what to do (the freeze is one transaction: nothing
    of it was kept). Run by the worker's recovery (coding.background). How many of each."""
    from coding.background import tasks_in_hand

    running_for = timedelta(minutes=_timeout_minutes())
    known = tasks_in_hand(TASK, "job_id", running_for_at_most=running_for)
    now = timezone.now()
    grace = now - timedelta(minutes=1)  # between its commit and its task's enqueue
    counts = {"queued": 0, "failed": 0}
    for job in ReleaseJob.objects.filter(status__in=ACTIVE, created_at__lt=grace):
        if known is None:  # no queue to look in: only time tells
            if (job.started_at or job.created_at) > now - running_for:
                continue
        elif job.pk in known:
            continue
        if job.status == ReleaseJobStatus.QUEUED:
            if ReleaseJob.objects.filter(pk=job.pk, status=job.status).update(created_at=now):
                _enqueue(job)
                logger.warning("Release job %s was queued with no task: queued again", job.pk)
                counts["queued"] += 1
        elif _fail_interrupted(job):
            logger.warning("Release job %s was running with no task: failed", job.pk)
            counts["failed"] += 1
    return counts


def _fail_interrupted(job: ReleaseJob) -> bool:
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _fail(job.pk, job.status, _(
            "Making the release was interrupted (the background worker stopped or took "
            "longer than %(minutes)d minutes); nothing was stored. Make the release "
            "again.") % {"minutes": _timeout_minutes()})
