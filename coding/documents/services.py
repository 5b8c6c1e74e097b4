"""Writes of documents: a lead's upload, the bulk import from a folder, deletion."""

import csv
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

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
        raise ValidationError("Only a lead of this review can upload documents.")
    name = getattr(file, "name", "") or "document"
    checked = inspect_file(name, read_limited(name, file))
    title = _clean_title(title, checked.filename)
    with _delete_stored_on_error() as stored:
        document = _store(case=case, checked=checked, title=title, is_public=is_public,
                          actor=actor, stored=stored)
    document.notes = checked.notes
    return document


def document_delete(*, document: Document, actor) -> None:
    """Remove a document and its file. Only the review's leads may."""
    review = document.case.review
    if not documents_manageable_by(actor, review):
        raise ValidationError("Only a lead of this review can delete documents.")
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
        raise ImportFailed(path, "review", f"no review with slug {review_slug!r}")
    cases = {case.number: case for case in Case.objects.filter(review=review)}
    if path.is_dir() and (path / MANIFEST_NAME).is_file():
        path = path / MANIFEST_NAME
    if path.is_file() and path.suffix.lower() == ".csv":
        rows = _manifest_rows(path, cases)
    elif path.is_dir():
        rows = _folder_rows(path, cases)
    else:
        raise ImportFailed(path, "path", "neither a folder nor a manifest CSV file")
    seen: dict[tuple[int, str], str] = {}  # (case, sha256 or file name): the file
    for row in rows:
        try:
            with open(row.path, "rb") as handle:
                row.checked = inspect_file(row.path.name, read_limited(row.path.name, handle))
            row.title = _clean_title(row.title, row.checked.filename)
        except ValidationError as error:
            raise ImportFailed(row.path, row.where, " ".join(error.messages)) from None
        except OSError as error:
            raise ImportFailed(row.path, row.where, f"cannot be read ({error.strerror})") from None
        key = (row.case.pk, hashlib.sha256(row.checked.data).hexdigest())
        if key in seen:
            raise ImportFailed(row.path, row.where,
                               f"same content as {seen[key]} for case {row.case.number}")
        seen[key] = row.path.name
        named = (row.case.pk, row.checked.filename)
        if named in seen:
            raise ImportFailed(row.path, row.where, f"case {row.case.number} would have two "
                               f"documents named {row.checked.filename}; rename one")
        seen[named] = row.path.name
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
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise ImportFailed(folder, "folder", "has no files")
    # Longest numbers first, so that "12-appendix" is case 12 even when case "12-a" exists
    # only if its name says so.
    numbers = sorted(cases, key=len, reverse=True)
    rows = []
    for file in files:
        stem = file.stem
        number = next(
            (n for n in numbers if stem == n or stem.startswith(n + "-")), None
        )
        if number is None:
            raise ImportFailed(
                file, "file name", "does not start with a case number of this review "
                f"(name files like 12.pdf or 12-appendix.pdf); no case {stem.split('-')[0]!r}",
            )
        rest = stem[len(number):].lstrip("-").replace("-", " ").replace("_", " ").strip()
        title = rest[:1].upper() + rest[1:] if rest else "Full text"
        rows.append(ImportRow(where="file name", path=file, case=cases[number], title=title,
                              is_public=False))
    return rows


def _manifest_rows(manifest: Path, cases: dict[str, Case]) -> list[ImportRow]:
    try:
        with open(manifest, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [c for c in ("case", "file") if c not in header]
            if missing:
                raise ImportFailed(manifest, "header", f"missing column(s) {', '.join(missing)}; "
                                   f"expected {','.join(MANIFEST_COLUMNS)}")
            raw_rows = []
            for line, row in enumerate(reader, start=2):
                # DictReader files extra cells under None and fills missing ones with None.
                if None in row or None in row.values():
                    raise ImportFailed(manifest, f"row {line}", "more or fewer fields than the "
                                       f"header has columns ({len(header)})")
                raw_rows.append({k.strip(): (v or "").strip() for k, v in row.items() if k})
    except UnicodeDecodeError:
        raise ImportFailed(manifest, "file", "not UTF-8 text") from None
    except csv.Error as error:
        raise ImportFailed(manifest, "file", f"not valid CSV ({error}); a quote may be left "
                           "open") from None
    if not raw_rows:
        raise ImportFailed(manifest, "file", "has no rows")
    rows = []
    for line, raw in enumerate(raw_rows, start=2):
        where = f"row {line}"
        number, name = raw.get("case", ""), raw.get("file", "")
        if number not in cases:
            raise ImportFailed(manifest, where, f"no case {number!r} in this review")
        if not name:
            raise ImportFailed(manifest, where, "'file' is empty")
        file = (manifest.parent / name).resolve()
        if manifest.parent.resolve() not in file.parents:
            raise ImportFailed(manifest, where, f"file {name!r} is outside the manifest's folder")
        if not file.is_file():
            raise ImportFailed(manifest, where, f"file {name!r} not found")
        public = raw.get("public", "").lower()
        if public not in TRUE | FALSE:
            raise ImportFailed(manifest, where, f"'public' must be true or false, got {public!r}")
        rows.append(ImportRow(where=f"{manifest.name} {where}", path=file, case=cases[number],
                              title=raw.get("title", ""), is_public=public in TRUE))
    return rows


# --- shared -----------------------------------------------------------------------------


def _clean_title(title: str, filename: str) -> str:
    title = " ".join(str(title or "").split()) or Path(filename).stem
    if len(title) > TITLE_MAX:
        raise ValidationError(f"the title is longer than {TITLE_MAX} characters")
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
    existing = Document.objects.filter(case=case, sha256=sha256).first()
    if existing is not None:
        raise ValidationError(
            f"{checked.filename} is already on case {case.number} as “{existing.title}”."
        )
    _check_filename_free(case, checked.filename)
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
        raise ValidationError(f"{checked.filename} is already on case {case.number}.") from None
    return document


def _check_filename_free(case, filename: str) -> None:
    # The codings CSV refers to a document by its case and file name: two of one name on a
    # case would make that reference ambiguous.
    same_name = Document.objects.filter(case=case, filename=filename).first()
    if same_name is not None:
        raise ValidationError(
            f"Case {case.number} already has a document named {filename} (“{same_name.title}”); "
            "rename the file, or delete the other document first.", code="duplicate_filename",
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
