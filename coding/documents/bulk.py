"""Many documents at once, from the documents page and `POST /api/reviews/<slug>/documents/`:
loose files and zips, each matched to a case by its file name with import_documents' matcher
(services.document_match) and checked with its checks (services.document_check), with an
answer per file: stored (or, in a check, matched), refused and why, or unmatched.

Unlike the command (all or nothing) a refused file does not stop the others: each is stored
in its own transaction, and one file's failure never loses another's result.
"""

import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from coding import input_limits as limits
from coding.documents.files import max_bytes, read_limited, safe_name, too_large_message
from coding.documents.policies import documents_manageable_by
from coding.documents.services import (
    BatchSeen,
    case_numbers_longest_first,
    document_check,
    document_match,
    document_store,
    is_skipped_name,
    unmatched_message,
)
from coding.models import Case, Document, Review

STORED, MATCHED, REFUSED, UNMATCHED = "stored", "matched", "refused", "unmatched"


@dataclass
class FileResult:
    """What became of one file. `name` is the file's name as sent, or "archive.zip/path" for
    a file of a zip; `case`, `case_title` and `title` say where it goes (matched files);
    `document` is the stored document's id."""

    name: str
    status: str
    reason: str = ""
    code: str = ""
    case: str | None = None
    case_title: str = ""
    title: str = ""
    document: int | None = None
    size: int | None = None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        data = asdict(self)
        # The command's messages follow "file: place: " and start in lower case; alone in a
        # table cell or a JSON field a reason reads as a sentence.
        reason = data["reason"]
        if reason:
            reason = reason[:1].upper() + reason[1:]
            data["reason"] = reason if reason.endswith((".", "!", "?")) else reason + "."
        return data


@dataclass
class _Entry:
    name: str  # as shown
    filename: str  # the last part: matched and stored under it
    size: int | None
    read: Callable[[], bytes] | None = None
    refusal: ValidationError | None = None


def documents_bulk_upload(*, review: Review, files: Iterable, actor,
                          dry_run: bool = False) -> list[FileResult]:
    """Match, check and (unless `dry_run`) store each file; a `.zip` stands for its files.
    `files` are Django Files (uploads). A dry run stores nothing and answers "matched" for
    what would be stored. Only the review's leads may; ValidationError otherwise."""
    _may_manage(actor, review)
    files = list(files)
    if len(files) > limits.DOCUMENT_BATCH_MAX_FILES:
        raise ValidationError(
            _("At most %(most)d files at once (%(sent)d sent); send the rest separately or in "
              "a zip.") % {"most": limits.DOCUMENT_BATCH_MAX_FILES, "sent": len(files)},
            code="too_many_files")
    cases = _cases(review)
    numbers = case_numbers_longest_first(cases)
    seen: BatchSeen = {}
    deadline = time.monotonic() + limits.DOCUMENT_BATCH_SECONDS
    results = []
    for entry in _entries(files):
        if time.monotonic() > deadline:
            results.append(FileResult(entry.name, REFUSED, code="not_checked", size=entry.size,
                                      reason=_("Not checked: this upload took longer than %(s)d "
                                               "seconds. Send this file again.")
                                      % {"s": limits.DOCUMENT_BATCH_SECONDS}))
            continue
        results.append(_one(entry, cases, numbers, seen, actor, dry_run))
    return results


def documents_bulk_names_check(*, review: Review, names: Iterable[tuple[str, int]],
                               actor) -> list[FileResult]:
    """The check of the documents page before anything is sent: each (file name, size)
    matched to its case and checked as far as a name and a size tell (the size limit, the
    file name already on the case or twice in the drop). The content is checked when the
    files are sent (documents_bulk_upload), file by file."""
    _may_manage(actor, review)
    names = list(names)
    if len(names) > limits.DOCUMENT_ZIP_MAX_ENTRIES:
        raise ValidationError(_("At most %(most)d files at once; put them in several zips.")
                              % {"most": limits.DOCUMENT_ZIP_MAX_ENTRIES}, code="too_many_files")
    cases = _cases(review)
    numbers = case_numbers_longest_first(cases)
    taken = set(Document.objects.filter(case__review=review).values_list("case_id", "filename"))
    seen: set[tuple[int, str]] = set()
    results = []
    for name, size in names:
        shown = safe_name(name)
        if is_skipped_name(str(name)):
            continue
        match = document_match(shown, cases, numbers)
        if match is None:
            results.append(FileResult(shown, UNMATCHED, reason=unmatched_message(shown),
                                      size=size))
            continue
        result = FileResult(shown, MATCHED, case=match.case.number, title=match.title,
                            case_title=match.case.title, size=size)
        key = (match.case.pk, shown)
        if size > max_bytes():
            result.status, result.code = REFUSED, "too_large"
            result.reason = too_large_message(shown, size)
        elif key in taken:
            result.status, result.code = REFUSED, "duplicate_filename"
            result.reason = _("Case %(case)s already has a document named %(name)s.") % {
                "case": match.case.number, "name": shown}
        elif key in seen:
            result.status, result.code = REFUSED, "duplicate_in_batch"
            result.reason = _("case %(case)s would have two documents named %(name)s; rename "
                              "one") % {"case": match.case.number, "name": shown}
        seen.add(key)
        results.append(result)
    return results


def bulk_response(results: list[FileResult]) -> dict:
    """The answer of the page and the API: every file's result and the count per status."""
    counts = dict.fromkeys((STORED, MATCHED, REFUSED, UNMATCHED), 0)
    for result in results:
        counts[result.status] += 1
    return {"results": [result.as_json() for result in results], "counts": counts}


def _may_manage(actor, review: Review) -> None:
    if not documents_manageable_by(actor, review):
        raise ValidationError(_("Only a lead of this review can upload documents."), code="role")


def _cases(review: Review) -> dict[str, Case]:
    cases = {case.number: case for case in Case.objects.filter(review=review).only(
        "pk", "number", "title", "review_id")}
    for case in cases.values():
        case.review = review
    return cases


def _one(entry: _Entry, cases, numbers, seen: BatchSeen, actor, dry_run: bool) -> FileResult:
    if entry.refusal is not None:
        return FileResult(entry.name, REFUSED, reason=" ".join(entry.refusal.messages),
                          code=entry.refusal.code or "refused", size=entry.size)
    match = document_match(entry.filename, cases, numbers)
    if match is None:
        return FileResult(entry.name, UNMATCHED, reason=unmatched_message(entry.filename),
                          size=entry.size)
    result = FileResult(entry.name, MATCHED, case=match.case.number, title=match.title,
                        case_title=match.case.title, size=entry.size)
    try:
        checked, title = document_check(case=match.case, name=entry.filename,
                                        data=entry.read(), title=match.title, seen=seen)
        result.notes = checked.notes
        if not dry_run:
            document = document_store(case=match.case, checked=checked, title=title,
                                      is_public=False, actor=actor)
            result.status, result.document = STORED, document.pk
    except ValidationError as error:
        result.status, result.reason = REFUSED, " ".join(error.messages)
        result.code = error.code or "refused"
        result.notes = []
    return result


def _entries(files) -> Iterator[_Entry]:
    for file in files:
        name = safe_name(getattr(file, "name", "") or "document")
        if PurePosixPath(name).suffix.lower() == ".zip":
            yield from _zip_entries(name, file)
        elif not is_skipped_name(name):
            yield _Entry(name, name, getattr(file, "size", None),
                         read=lambda file=file, name=name: read_limited(name, file))


def _refused(name: str, size, message: str, code: str) -> _Entry:
    return _Entry(name, PurePosixPath(name).name, size,
                  refusal=ValidationError(message, code=code))


def _zip_entries(name: str, file) -> Iterator[_Entry]:
    """The files of a zip, each to be matched and checked, or one refusal for the zip when it
    is over a limit or unreadable (then none of its files is read)."""
    size = getattr(file, "size", None)
    if size is not None and size > limits.DOCUMENT_ZIP_MAX_BYTES:
        yield _refused(name, size, _("%(name)s is %(size)s; a zip may be at most %(most)s.") % {
            "name": name, "size": filesizeformat(size),
            "most": filesizeformat(limits.DOCUMENT_ZIP_MAX_BYTES)}, "zip_too_large")
        return
    try:
        file.seek(0)
        archive = zipfile.ZipFile(file)
        infos = [info for info in archive.infolist()
                 if not info.is_dir() and not is_skipped_name(info.filename)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        yield _refused(name, size, _("%(name)s is not a readable zip archive.") % {"name": name},
                       "zip_unreadable")
        return
    if len(infos) > limits.DOCUMENT_ZIP_MAX_ENTRIES:
        yield _refused(name, size, _("%(name)s holds %(n)d files; a zip may hold at most "
                                     "%(most)d. Split it.") % {
            "name": name, "n": len(infos), "most": limits.DOCUMENT_ZIP_MAX_ENTRIES},
            "zip_too_many_files")
        return
    total = sum(info.file_size for info in infos)
    if total > limits.DOCUMENT_ZIP_MAX_TOTAL_BYTES:
        yield _refused(name, size, _("%(name)s unpacks to %(size)s; a zip may unpack to at "
                                     "most %(most)s. Split it.") % {
            "name": name, "size": filesizeformat(total),
            "most": filesizeformat(limits.DOCUMENT_ZIP_MAX_TOTAL_BYTES)}, "zip_too_large")
        return
    if not infos:
        yield _refused(name, size, _("%(name)s holds no files.") % {"name": name}, "zip_empty")
        return
    for info in infos:
        shown = f"{name}/{info.filename}"
        problem = _entry_problem(info)
        if problem:
            yield _refused(shown, info.file_size, *problem)
        else:
            yield _Entry(shown, safe_name(info.filename), info.file_size,
                         read=lambda info=info, shown=shown: _read_entry(archive, info, shown))


def _entry_problem(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    path = info.filename.replace("\\", "/")
    parts = path.split("/")
    if path.startswith("/") or (len(parts[0]) == 2 and parts[0][1] == ":"):
        return _("its path is absolute; a zip's files must be inside it."), "zip_path"
    if ".." in parts:
        return _("its path leaves the zip (“..”); refused."), "zip_path"
    if PurePosixPath(path).suffix.lower() == ".zip":
        return _("a zip inside a zip is not opened; unpack it and add its files."), "zip_nested"
    if info.flag_bits & 0x1:
        return _("it is encrypted; zip it again without a password."), "zip_encrypted"
    if info.file_size > max_bytes():
        return too_large_message(PurePosixPath(path).name, info.file_size), "too_large"
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.DOCUMENT_ZIP_MAX_RATIO:
        return _("it is compressed %(ratio)d to 1 (at most %(most)d to 1 is accepted): "
                 "refused as a possible zip bomb.") % {
            "ratio": ratio, "most": limits.DOCUMENT_ZIP_MAX_RATIO}, "zip_ratio"
    return None


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> bytes:
    # ZipExtFile stops at the declared size, and we read at most one byte past the limit.
    try:
        with archive.open(info) as member:
            data = member.read(max_bytes() + 1)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
            OSError, ValueError) as error:
        raise ValidationError(_("%(name)s cannot be read from the zip (%(error)s).") % {
            "name": shown, "error": error}, code="zip_unreadable") from None
    if len(data) > max_bytes():
        raise ValidationError(too_large_message(shown, len(data)), code="too_large")
    return data
