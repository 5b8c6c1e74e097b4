"""Safe files: the type decided from the content, HTML sanitised, PDFs without scripts.

`inspect_file(name, data)` answers the cleaned bytes to store and their type, or raises
ValidationError saying what is wrong with the file. It writes nothing.
"""

import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, gettext_noop
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from coding.models import DocumentType

EXTENSIONS = {
    DocumentType.PDF: (".pdf",),
    DocumentType.HTML: (".html", ".htm"),
    DocumentType.TEXT: (".txt", ".text"),
    DocumentType.MARKDOWN: (".md", ".markdown"),
}
KNOWN = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}

# Well-known starts of files we never accept, to say what a refused file really is.
SIGNATURES = [
    (b"MZ", gettext_noop("a Windows executable")),
    (b"\x7fELF", gettext_noop("a Linux executable")),
    (b"\xcf\xfa\xed\xfe", gettext_noop("a macOS executable")),
    (b"\xfe\xed\xfa\xce", gettext_noop("a macOS executable")),
    (b"\xca\xfe\xba\xbe", gettext_noop("a macOS executable or Java class")),
    (b"#!", gettext_noop("a script")),
    (b"PK\x03\x04", gettext_noop("a ZIP archive (or a Word/Excel/EPUB file)")),
    (b"\xd0\xcf\x11\xe0", gettext_noop("an old Microsoft Office file")),
    (b"{\\rtf", gettext_noop("an RTF document")),
    (b"\x89PNG", gettext_noop("a PNG image")),
    (b"\xff\xd8\xff", gettext_noop("a JPEG image")),
    (b"GIF8", gettext_noop("a GIF image")),
    (b"\x1f\x8b", gettext_noop("a gzip archive")),
    (b"Rar!", gettext_noop("a RAR archive")),
    (b"7z\xbc\xaf", gettext_noop("a 7-Zip archive")),
]

# WHATWG MIME sniffing: text starting with one of these (after white space) is HTML.
HTML_STARTS = re.compile(
    rb"\s*<(!doctype html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p"
    rb"|!--)[\s>]",
    re.IGNORECASE,
)
# Raw bytes as a second look: an uncompressed name anywhere in the file.
PDF_SCRIPT_BYTES = re.compile(rb"/(JavaScript|JS)(?![A-Za-z0-9])")


@dataclass
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    notes: list[str] = field(default_factory=list)


def max_bytes() -> int:
    return settings.DOCUMENT_MAX_BYTES


def document_max_pages() -> int:
    return settings.DOCUMENT_MAX_PAGES


def too_large_message(name: str, size: int) -> str:
    return (
        f"{name} is {filesizeformat(size)}; documents may be at most "
        f"{filesizeformat(max_bytes())}."
    )


def read_limited(name: str, fileobj) -> bytes:
    """The file's bytes, refusing one over the size limit without reading it all."""
    size = getattr(fileobj, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(too_large_message(name, size), code="too_large")
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    data = fileobj.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise ValidationError(too_large_message(name, len(data)), code="too_large")
    return data


def inspect_file(name: str, data: bytes) -> CheckedFile:
    """Decide the type from the content, refuse what we do not accept, clean HTML."""
    name = safe_name(name)
    if len(data) > max_bytes():
        raise ValidationError(too_large_message(name, len(data)), code="too_large")
    if not data:
        raise ValidationError(gettext("%(name)s is empty.") % {"name": name}, code="empty")
    claimed = KNOWN.get(PurePath(name).suffix.lower())
    if b"%PDF-" in data[:1024]:
        if claimed and claimed != DocumentType.PDF:
            raise ValidationError(
                gettext(
                    "%(name)s is named as %(label)s but its content is a PDF; rename it to "
                    ".pdf.") % {
                    "name": name, "label": claimed.label}, code="type_mismatch",
            )
        _check_pdf(name, data)
        return CheckedFile(_with_extension(name, DocumentType.PDF), DocumentType.PDF, data)
    text = _as_text(name, data, claimed)
    if claimed == DocumentType.PDF:
        raise ValidationError(
            gettext(
                "%(name)s is not a PDF: its content is text. Upload the real PDF, or name the "
                "file .txt, .html or .md.") % {
                "name": name}, code="type_mismatch",
        )
    if claimed == DocumentType.HTML or HTML_STARTS.match(data):
        cleaned = nh3.clean(text)
        notes = []
        if _removed_active_content(text, cleaned):
            notes.append(gettext(
                "%(name)s: scripts, styles and event handlers were removed from the HTML.")
                % {"name": name})
        return CheckedFile(
            _with_extension(name, DocumentType.HTML), DocumentType.HTML,
            cleaned.encode("utf-8"), notes,
        )
    kind = DocumentType.MARKDOWN if claimed == DocumentType.MARKDOWN else DocumentType.TEXT
    return CheckedFile(_with_extension(name, kind), kind, text.encode("utf-8"))


NAME_MAX_BYTES = 200  # file systems allow 255 bytes a name; the storage adds nothing to it


def safe_name(name: str) -> str:
    # Only the last part of a path, without control characters or quotes, and at most
    # NAME_MAX_BYTES in UTF-8 (a name of 200 accented letters is 400 bytes): the start of
    # the name and its extension are kept.
    base = PurePath(str(name).replace("\\", "/")).name
    base = re.sub(r'[\x00-\x1f\x7f"/]', "", base).strip() or "document"
    if len(base.encode("utf-8")) <= NAME_MAX_BYTES:
        return base
    suffix = PurePath(base).suffix
    suffix = suffix if len(suffix.encode("utf-8")) <= 16 else ""
    stem = base[: len(base) - len(suffix)] if suffix else base
    room = NAME_MAX_BYTES - len(suffix.encode("utf-8"))
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip() + suffix


def _with_extension(name: str, kind: DocumentType) -> str:
    if PurePath(name).suffix.lower() in EXTENSIONS[kind]:
        return name
    return name + EXTENSIONS[kind][0]


def _as_text(name: str, data: bytes, claimed) -> str:
    for signature, what in SIGNATURES:
        if data.startswith(signature) and signature != b"#!":
            raise ValidationError(_refusal(name, claimed, gettext(what)), code="unsupported")
    if b"\x00" in data:
        raise ValidationError(_refusal(name, claimed, gettext("binary data")), code="unsupported")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _refusal(name, claimed, gettext("not UTF-8 text (byte %(byte)s)") % {
                "byte": error.start + 1}),
            code="unsupported",
        ) from None
    if data.startswith(b"#!"):
        raise ValidationError(_refusal(name, claimed, gettext("a script")), code="unsupported")
    return text


def _refusal(name: str, claimed, what: str) -> str:
    if claimed == DocumentType.PDF:
        return gettext("%(name)s is not a PDF: its content is %(what)s.") % {
            "name": name, "what": what}
    return gettext(
        "%(name)s cannot be uploaded: its content is %(what)s. Documents may be PDF, HTML, "
        "plain text or Markdown (UTF-8).") % {"name": name, "what": what}


def _removed_active_content(original: str, cleaned: str) -> bool:
    pattern = re.compile(r"<\s*(script|style)\b|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    return bool(pattern.search(original)) and not pattern.search(cleaned)


def _check_pdf(name: str, data: bytes) -> None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                gettext(
                    "%(name)s is an encrypted PDF; upload it without a password.") % {
                    "name": name}, code="encrypted"
            )
        pages = len(reader.pages)  # the page tree's /Count: no page is read
        active = pdf_active_content(reader.trailer)
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError, OSError) as error:
        raise ValidationError(
            gettext(
                "%(name)s is not a readable PDF (%(error_type)s: %(error)s).") % {
                "name": name, "error_type": error.__class__.__name__, "error": error},
            code="broken_pdf",
        ) from None
    if active == "javascript" or (active is None and PDF_SCRIPT_BYTES.search(data)):
        raise ValidationError(
            gettext(
                "%(name)s contains JavaScript; PDFs with scripts are refused. Print it to a "
                "new PDF without scripts (or remove them) and upload that.") % {
                "name": name}, code="pdf_script",
        )
    if active is not None:
        raise ValidationError(
            gettext(
                "%(name)s contains %(pdf_active_content)s; PDFs with active content are "
                "refused. Print it to a new PDF (which keeps only the pages) and upload that.") % {
                "name": name, "pdf_active_content": gettext(PDF_ACTIVE_CONTENT[active])},
            code="pdf_active_content",
        )
    most = document_max_pages()
    if pages > most:
        raise ValidationError(
            gettext(
                "%(name)s has %(pages)s pages; documents may have at most %(most)s. Split it "
                "and upload the parts.") % {
                "name": name, "pages": f"{pages:,}", "most": f"{most:,}"}, code="too_many_pages",
        )


# What a PDF may not hold, by kind (README, "Safe files"): the reason shown to the lead.
PDF_ACTIVE_CONTENT = {
    "javascript": "JavaScript",
    "launch": gettext_noop("an action that starts a program or opens a file (/Launch)"),
    "uri_script": gettext_noop("a link that runs a script (/URI with javascript:)"),
    "submit_form": gettext_noop(
        "a form that sends what is typed into it to an address (/SubmitForm)"),
    "import_data": gettext_noop("an action that loads form data from another file (/ImportData)"),
    "remote_goto": gettext_noop("a link that opens another file (/GoToR or /GoToE)"),
    "rich_media": gettext_noop("an action that runs embedded media (/RichMediaExecute)"),
    "xfa": gettext_noop("an XFA form (/XFA), which can carry scripts"),
    "embedded_files": gettext_noop("embedded files (/EmbeddedFiles, /EF)"),
}
_ACTION_KINDS = {
    "/JavaScript": "javascript", "/Launch": "launch", "/SubmitForm": "submit_form",
    "/ImportData": "import_data", "/GoToR": "remote_goto", "/GoToE": "remote_goto",
    "/RichMediaExecute": "rich_media",
}
_KEY_KINDS = {"/JS": "javascript", "/JavaScript": "javascript", "/XFA": "xfa",
              "/EmbeddedFiles": "embedded_files", "/EF": "embedded_files"}
_SCRIPT_SCHEMES = re.compile(r"\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


def pdf_active_content(root) -> str | None:
    """The first kind of active content (a key of PDF_ACTIVE_CONTENT) in any object reachable
    from the trailer, or None. Every object is looked at, so an action is found wherever it
    hangs: the catalogue's /OpenAction and /AA, a page's /AA, the /Names trees (/JavaScript,
    /EmbeddedFiles), /AcroForm's /XFA, annotations' and outline items' /A and /AA, and each
    action's /Next. JavaScript is reported before anything else."""
    found: str | None = None
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            kind = _dictionary_kind(obj)
            if kind == "javascript":
                return kind
            found = found or kind
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return found


def _dictionary_kind(obj: DictionaryObject) -> str | None:
    for key in obj:
        if key in _KEY_KINDS:
            return _KEY_KINDS[key]
    action = obj.get("/S")
    if isinstance(action, NameObject):
        if action in _ACTION_KINDS:
            return _ACTION_KINDS[action]
        if action == "/URI":
            uri = obj.get("/URI")
            uri = uri.get_object() if isinstance(uri, IndirectObject) else uri
            text = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri or "")
            if _SCRIPT_SCHEMES.match(text):
                return "uri_script"
    if obj.get("/Type") == "/EmbeddedFile":
        return "embedded_files"
    return None
