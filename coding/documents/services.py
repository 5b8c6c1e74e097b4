"""Writes of documents: a lead's upload, the bulk import from a folder, deletion."""

import csv
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from coding.audit.services import audit_record
from coding.documents.files import CheckedFile, inspect_file, read_limited
from coding.documents.policies import documents_manageable_by
from coding.documents.storage import documents_storage
from coding.documents.text import TextTooLarge, extract_text_bounded
from coding.models import Case, Document, Review, TextStatus
from coding.reviews.importers import ImportFailed
from coding.reviews.services import review_data_changed

log = logging.getLogger(__name__)
TITLE_MAX = Document._meta.get_field("title").max_length
MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ["case", "file", "title", "public"]
TRUE = {"1", "true", "yes", "y"}
FALSE = {"", "0", "false", "no", "n"}


def document_upload(
    *, case: Case, file, actor, title: str = "", is_public: bool = False
) -> Document:
    """Check and store one file on a case. Only the review's leads may.

    `file` is any Django File (an upload, a ContentFile with a name). Refused files raise
    ValidationError with the reason, and nothing is stored. The returned document's `notes`
    say what was changed on the way in (e.g. scripts removed from HTML).
    """
    if not documents_manageable_by(actor, case.review):
        raise ValidationError(gettext("Only a lead of this review can upload documents."))
    name = getattr(file, "name", "") or "document"
    checked, title = document_check(case=case, name=name, data=read_limited(name, file),
                                    title=title)
    return document_store(case=case, checked=checked, title=title, is_public=is_public,
                          actor=actor)


def document_store(*, case: Case, checked: CheckedFile, title: str, is_public: bool,
                   actor) -> Document:
    """Store a file that passed document_check (its same content or name is looked for again,
    in case another upload committed meanwhile), in one transaction with its audit event; a
    failure leaves no file behind. The document's `notes` say what the checks changed."""
    with _delete_stored_on_error() as stored:
        document = _store(case=case, checked=checked, title=title, is_public=is_public,
                          actor=actor, stored=stored)
    document.notes = checked.notes
    return document


def document_delete(*, document: Document, actor) -> None:
    """Remove a document and its file. Only the review's leads may."""
    review = document.case.review
    if not documents_manageable_by(actor, review):
        raise ValidationError(gettext("Only a lead of this review can delete documents."))
    name = document.file.name
    with transaction.atomic():
        audit_record(actor=actor, action="document.delete", obj=document, review=review,
                     data={"case": document.case.number, "filename": document.filename,
                           "sha256": document.sha256})
        document.delete()
        if document.is_public:  # readers' case pages and search change
            review_data_changed(review=review)
        # The file goes only once the row is gone for good.
        transaction.on_commit(lambda: documents_storage.delete(name))


# --- bulk import ------------------------------------------------------------------------


@dataclass
class ImportRow:
    where: str
    path: Path
    case: Case
    title: str
    is_public: bool
    checked: CheckedFile | None = None


@dataclass
class ImportResult:
    review: Review
    documents: list[Document] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def documents_import(*, path: Path | str, review_slug: str, actor=None) -> ImportResult:
    """Import documents from a folder of files named by case number (`12.pdf`,
    `12-appendix.pdf`) or from a manifest CSV (case,file,title,public), given as the file
    or found as manifest.csv in the folder. All or nothing: every file is checked before
    any is stored; ImportFailed names the bad file and why."""
    path = Path(path)
    review = Review.objects.filter(slug=review_slug).first()
    if review is None:
        raise ImportFailed(path, "review", gettext(
            "no review with slug %(review_slug)s") % {
            "review_slug": repr(review_slug)})
    cases = {case.number: case for case in Case.objects.filter(review=review)}
    if path.is_dir() and (path / MANIFEST_NAME).is_file():
        path = path / MANIFEST_NAME
    if path.is_file() and path.suffix.lower() == ".csv":
        rows = _manifest_rows(path, cases)
    elif path.is_dir():
        rows = _folder_rows(path, cases)
    else:
        raise ImportFailed(path, "path", gettext("neither a folder nor a manifest CSV file"))
    seen: BatchSeen = {}
    for row in rows:
        try:
            with open(row.path, "rb") as handle:
                data = read_limited(row.path.name, handle)
            row.checked, row.title = document_check(case=row.case, name=row.path.name,
                                                    data=data, title=row.title, seen=seen)
        except ValidationError as error:
            raise ImportFailed(row.path, row.where, " ".join(error.messages)) from None
        except OSError as error:
            raise ImportFailed(row.path, row.where, gettext(
                "cannot be read (%(strerror)s)") % {
                "strerror": error.strerror}) from None
    result = ImportResult(review=review)
    with _delete_stored_on_error() as stored, transaction.atomic():
        for row in rows:
            try:
                result.documents.append(_store(
                    case=row.case, checked=row.checked, title=row.title,
                    is_public=row.is_public, actor=actor, stored=stored,
                ))
            except ValidationError as error:
                raise ImportFailed(row.path, row.where, " ".join(error.messages)) from None
            result.notes.extend(row.checked.notes)
    return result


def _folder_rows(folder: Path, cases: dict[str, Case]) -> list[ImportRow]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not is_skipped_name(p.name))
    if not files:
        raise ImportFailed(folder, "folder", gettext("has no files"))
    numbers = case_numbers_longest_first(cases)
    rows = []
    for file in files:
        match = document_match(file.name, cases, numbers)
        if match is None:
            raise ImportFailed(file, "file name", unmatched_message(file.name))
        rows.append(ImportRow(where="file name", path=file, case=match.case, title=match.title,
                              is_public=False))
    return rows


def _manifest_rows(manifest: Path, cases: dict[str, Case]) -> list[ImportRow]:
    try:
        with open(manifest, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [c for c in ("case", "file") if c not in header]
            if missing:
                raise ImportFailed(manifest, "header", gettext(
                    "missing column(s) %(missing)s; expected %(manifest_columns)s") % {
                    "missing": ', '.join(missing), "manifest_columns": ','.join(MANIFEST_COLUMNS)})
            raw_rows = []
            for line, row in enumerate(reader, start=2):
                # DictReader files extra cells under None and fills missing ones with None.
                if None in row or None in row.values():
                    raise ImportFailed(manifest, f"row {line}", gettext(
                        "more or fewer fields than the header has columns (%(count)s)") % {
                        "count": len(header)})
                raw_rows.append({k.strip(): (v or "").strip() for k, v in row.items() if k})
    except UnicodeDecodeError:
        raise ImportFailed(manifest, "file", "not UTF-8 text") from None
    except csv.Error as error:
        raise ImportFailed(manifest, "file", gettext(
            "not valid CSV (%(error)s); a quote may be left open") % {
            "error": error}) from None
    if not raw_rows:
        raise ImportFailed(manifest, "file", gettext("has no rows"))
    rows = []
    for line, raw in enumerate(raw_rows, start=2):
        where = f"row {line}"
        number, name = raw.get("case", ""), raw.get("file", "")
        if number not in cases:
            raise ImportFailed(manifest, where, gettext(
                "no case %(number)s in this review") % {
                "number": repr(number)})
        if not name:
            raise ImportFailed(manifest, where, gettext("'file' is empty"))
        file = (manifest.parent / name).resolve()
        if manifest.parent.resolve() not in file.parents:
            raise ImportFailed(manifest, where, gettext(
                "file %(name)s is outside the manifest's folder") % {
                "name": repr(name)})
        if not file.is_file():
            raise ImportFailed(manifest, where, gettext(
                "file %(name)s not found") % {
                "name": repr(name)})
        public = raw.get("public", "").lower()
        if public not in TRUE | FALSE:
            raise ImportFailed(manifest, where, gettext(
                "'public' must be true or false, got %(public)s") % {
                "public": repr(public)})
        rows.append(ImportRow(where=f"{manifest.name} {where}", path=file, case=cases[number],
                              title=raw.get("title", ""), is_public=public in TRUE))
    return rows


# --- shared -----------------------------------------------------------------------------


# (case id, sha256 or file name) -> the name of the file of this batch that has it.
BatchSeen = dict[tuple[int, str], str]


@dataclass(frozen=True)
class NameMatch:
    case: Case
    title: str


def is_skipped_name(name: str) -> bool:
    """Hidden files (".DS_Store", "._12.pdf") and macOS's "__MACOSX" folder in a zip: never
    documents, skipped by the folder import and the zip upload alike."""
    parts = [part for part in name.replace("\\", "/").split("/") if part]
    return any((part.startswith(".") and part not in (".", "..")) or part == "__MACOSX"
               for part in parts)


def case_numbers_longest_first(cases: dict[str, Case]) -> list[str]:
    # Longest numbers first, so that "12-appendix" is case 12 even when case "12-a" exists
    # only if its name says so.
    return sorted(cases, key=len, reverse=True)


def document_match(filename: str, cases: dict[str, Case],
                   numbers: list[str] | None = None) -> NameMatch | None:
    """The case a file belongs to by its name, and the document's title, or None: `12.pdf`
    is case 12's "Full text", `12-appendix.pdf` its "Appendix", `12-site_plan.pdf` its
    "Site plan". `cases` maps number -> case; `numbers` is case_numbers_longest_first(cases)
    when matching many files. The one matcher of import_documents, the documents page and
    `POST /api/reviews/<slug>/documents/`."""
    stem = PurePath(str(filename).replace("\\", "/")).stem
    numbers = numbers if numbers is not None else case_numbers_longest_first(cases)
    number = next((n for n in numbers if stem == n or stem.startswith(n + "-")), None)
    if number is None:
        return None
    rest = stem[len(number):].lstrip("-").replace("-", " ").replace("_", " ").strip()
    title = rest[:1].upper() + rest[1:] if rest else "Full text"
    return NameMatch(case=cases[number], title=title)


def unmatched_message(filename: str) -> str:
    stem = PurePath(str(filename).replace("\\", "/")).stem
    return ("does not start with a case number of this review (name files like 12.pdf or "
            f"12-appendix.pdf); no case {stem.split('-')[0]!r}")


def document_check(*, case: Case, name: str, data: bytes, title: str = "",
                   seen: BatchSeen | None = None) -> tuple[CheckedFile, str]:
    """Every check a file passes before it is stored on `case`, storing nothing: the type
    from the content, HTML sanitised, PDFs with active content refused, size and page
    limits (files.inspect_file), the title, the same content or file name already on the
    case, and (given `seen`, shared by the files of one batch) twice in the batch. Answers
    the checked file and its title; raises ValidationError with the reason and a code.
    One upload, import_documents and the bulk upload all ask it."""
    checked = inspect_file(name, data)
    title = _clean_title(title, checked.filename)
    _check_not_on_case(case, checked)
    if seen is not None:
        key = (case.pk, hashlib.sha256(checked.data).hexdigest())
        if key in seen:
            raise ValidationError(gettext(
                "same content as %(seen)s for case %(number)s") % {
                "seen": seen[key], "number": case.number},
                                  code="duplicate_in_batch")
        named = (case.pk, checked.filename)
        if named in seen:
            raise ValidationError(gettext(
                "case %(number)s would have two documents named %(filename)s; rename one") % {
                "number": case.number, "filename": checked.filename}, code="duplicate_in_batch")
        seen[key] = seen[named] = PurePath(str(name).replace("\\", "/")).name
    return checked, title



def _clean_title(title: str, filename: str) -> str:
    title = " ".join(str(title or "").split()) or Path(filename).stem
    if len(title) > TITLE_MAX:
        raise ValidationError(gettext(
            "the title is longer than %(title_max)s characters") % {
            "title_max": TITLE_MAX})
    return title


@contextmanager
def _delete_stored_on_error() -> Iterator[list[str]]:
    """Collect the names of files stored inside the block; on any error delete them, so a
    refused upload or a failed import leaves no file behind."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            documents_storage.delete(name)
        raise


def _store(*, case, checked: CheckedFile, title: str, is_public: bool, actor,
           stored: list[str]) -> Document:
    sha256 = hashlib.sha256(checked.data).hexdigest()
    _check_not_on_case(case, checked)  # again: another upload may have committed meanwhile
    document = Document(
        case=case, title=title, filename=checked.filename, content_type=checked.content_type,
        size=len(checked.data), sha256=sha256, is_public=is_public,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        # Extracted by a background task once the upload commits (2 s and more for a long
        # PDF): the upload request and an import of many files do not wait for it.
        text="", text_status=TextStatus.PENDING, text_requested_at=timezone.now(),
    )
    document.file.save(checked.filename, ContentFile(checked.data), save=False)
    stored.append(document.file.name)
    try:
        with transaction.atomic():
            document.save()
            transaction.on_commit(partial(_queue_text_extraction, document.pk), robust=True)
            if is_public:  # readers' case pages and search change
                review_data_changed(review=case.review_id)
            audit_record(
                actor=actor, action="document.upload", obj=document, review=case.review,
                data={"case": case.number, "filename": document.filename,
                      "content_type": document.content_type, "size": document.size,
                      "sha256": sha256, "public": is_public},
            )
    except IntegrityError:  # the same file (or name) uploaded twice at once
        raise ValidationError(gettext(
            "%(filename)s is already on case %(number)s.") % {
            "filename": checked.filename, "number": case.number},
                              code="already_exists") from None
    return document


def _check_not_on_case(case, checked: CheckedFile) -> None:
    sha256 = hashlib.sha256(checked.data).hexdigest()
    existing = Document.objects.filter(case=case, sha256=sha256).first()
    if existing is not None:
        raise ValidationError(
            gettext(
                "%(filename)s is already on case %(number)s as “%(title)s”.") % {
                "filename": checked.filename, "number": case.number, "title": existing.title},
            code="already_exists",
        )
    _check_filename_free(case, checked.filename)


def _check_filename_free(case, filename: str) -> None:
    # The codings CSV refers to a document by its case and file name: two of one name on a
    # case would make that reference ambiguous.
    same_name = Document.objects.filter(case=case, filename=filename).first()
    if same_name is not None:
        raise ValidationError(
            gettext(
                "Case %(number)s already has a document named %(filename)s (“%(title)s”); "
                "rename the file, or delete the other document first.") % {
                "number": case.number, "filename": filename, "title": same_name.title},
            code="duplicate_filename",
        )


# --- text extraction (background) ---------------------------------------------------------


def _queue_text_extraction(document_id: int) -> None:
    from coding.documents.tasks import extract_document_text

    extract_document_text.enqueue(document_id=document_id)


def documents_text_requeue_lost() -> int:
    """Queue again the text extraction of documents pending for longer than any extraction
    takes whose task is neither queued nor running (its worker stopped, or the task never
    reached the queue), so that "being extracted" does not stay for ever. Run when the
    worker starts and by `manage.py recover_background_jobs`, never by a page. Of two
    sweeps that find one lost, one queues it (compare-and-swap). How many were queued."""
    from coding.background import tasks_in_hand

    timeout = timedelta(minutes=settings.TEXT_EXTRACTION_TIMEOUT_MINUTES)
    limit = timezone.now() - timeout
    in_hand = tasks_in_hand("coding.documents.tasks.extract_document_text", "document_id",
                            running_for_at_most=timeout) or set()
    lost = Document.objects.filter(text_status=TextStatus.PENDING).filter(
        Q(text_requested_at__lt=limit)
        | Q(text_requested_at__isnull=True, uploaded_at__lt=limit)
    ).exclude(pk__in=in_hand).values_list("pk", "text_requested_at")
    queued = 0
    for pk, requested_at in lost:
        if Document.objects.filter(pk=pk, text_status=TextStatus.PENDING,
                                   text_requested_at=requested_at).update(
                                       text_requested_at=timezone.now()):
            log.warning("Text extraction of document %s was lost; queued again", pk)
            transaction.on_commit(partial(_queue_text_extraction, pk), robust=True)
            queued += 1
    return queued


def document_text_extract(*, document_id: int) -> Document | None:
    """Extract and store a document's text (the background task's body), in a child process
    within settings.TEXT_EXTRACTION_LIMITS. Does nothing for a document already extracted or
    deleted meanwhile. A document over the budget is marked too large, one that cannot be
    read failed (it was checked at upload, so this means a damaged file or store); either way
    it is not tried again, and search skips it."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.text_status != TextStatus.PENDING:
        return document
    try:
        with document.file.open("rb") as stored:
            text = extract_text_bounded(document.content_type, stored.read(),
                                        limits=settings.TEXT_EXTRACTION_LIMITS)
    except TextTooLarge as error:
        log.warning("Text of document %s not extracted: too large (%s)", document_id,
                    error.reason)
        Document.objects.filter(pk=document_id, text_status=TextStatus.PENDING).update(
            text_status=TextStatus.TOO_LARGE)
        document.refresh_from_db()
        return document
    except Exception:
        log.exception("No text from document %s", document_id)
        Document.objects.filter(pk=document_id, text_status=TextStatus.PENDING).update(
            text_status=TextStatus.FAILED)
        raise
    with transaction.atomic():
        Document.objects.filter(pk=document_id, text_status=TextStatus.PENDING).update(
            text=text, text_status=TextStatus.READY)
        if document.is_public:  # readers' search now finds it
            review_data_changed(review=document.case.review_id)
    document.refresh_from_db()
    return document
