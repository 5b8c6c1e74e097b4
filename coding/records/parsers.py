"""Candidate records from a file: RIS (rispy), BibTeX (bibtexparser 2), CSV or an Excel workbook
(coding.tables, the importers' one reader of tables). `records_read(path)` gives every record of
the file as plain data, or raises ImportFailed naming the file, the place ("record 3 (line 41)",
"entry smith2019 (line 12)", "row 4") and the reason; it writes nothing.

Which format: by the file's name (.ris, .txt, .bib, .csv, .xlsx), else by its first bytes (a zip is
a workbook, "TY  -" starts RIS, "@" starts BibTeX).

Fields, whatever the format (README, "Records files"): title (required), authors, year, abstract,
url, doi, id. A DOI is stored normalised (lower case, without "https://doi.org/" or "doi:"); a
year is the first year 1800-2100 in the field ("2019///" and "2019-05" give 2019; "n.d." gives
none). Bounds: coding.input_limits.RECORDS_MAX (records a file) and RECORD_FIELD_MAX (characters a
field); the file's size is checked by the caller (settings.IMPORT_MAX_MB).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from coding.fileio import ImportFailed, read_utf8
from coding.input_limits import RECORD_FIELD_MAX, RECORDS_MAX
from coding.tables import ZIP_MAGIC, table_rows
from coding.values import text_problem

RIS, BIBTEX, TABLE = "ris", "bibtex", "table"
# The columns of a CSV or .xlsx records file (header names, any case).
RECORD_COLUMNS = ["title"]
RECORD_OPTIONAL = ["authors", "year", "abstract", "url", "doi", "id"]


@dataclass
class RecordData:
    """One record as read from a file, and where it is (for messages and the dry run)."""

    where: str
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    abstract: str = ""
    url: str = ""
    doi: str = ""
    external_id: str = ""

    @property
    def title_key(self) -> str:
        return title_key(self.title)


def title_key(title: str) -> str:
    """A title normalised for finding duplicates: accents dropped, lower case, letters and digits
    only, e.g. "Co-producing Care: A Study" -> "coproducingcareastudy"."""
    text = unicodedata.normalize("NFKD", title)
    return "".join(ch for ch in text.lower() if ch.isalnum() and not unicodedata.combining(ch))[
        :1000]


DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def doi_normalise(text: str) -> str:
    """ "https://doi.org/10.1000/ABC" -> "10.1000/abc"; "" stays ""."""
    return DOI_PREFIX.sub("", text.strip()).strip().lower()


def records_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".ris", ".txt", ".nbib"):
        return RIS
    if suffix in (".bib", ".bibtex"):
        return BIBTEX
    if suffix in (".csv", ".xlsx", ".xlsm"):
        return TABLE
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError as error:
        raise ImportFailed(path, "file", error.strerror or str(error)) from None
    if head.startswith(ZIP_MAGIC):
        return TABLE
    text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if re.match(r"TY {2}-", text):
        return RIS
    if text.startswith("@") or re.search(r"^\s*@\w+\s*[{(]", text, re.MULTILINE):
        return BIBTEX
    return TABLE


def records_read(path: Path | str) -> list[RecordData]:
    """Every record of the file (see the module docstring); raises ImportFailed."""
    path = Path(path)
    kind = records_format(path)
    reader = {RIS: _ris_records, BIBTEX: _bibtex_records, TABLE: _table_records}[kind]
    records = reader(path)
    if not records:
        raise ImportFailed(path, "file", _("no records found (expected RIS, BibTeX, CSV or .xlsx "
                                           "records; see the formats on the Records page)"))
    return records


# --- checks shared by every format ------------------------------------------------------------


def _record(path: Path, where: str, *, title: str, authors: list[str], year: str,
            abstract: str, url: str | list[str], doi: str, external_id: str,
            count: int) -> RecordData:
    if count > RECORDS_MAX:
        raise ImportFailed(path, where, _("more than %(limit)s records in one file; split the "
                                          "file") % {"limit": f"{RECORDS_MAX:,}"})
    title = " ".join(title.split())
    if not title:
        raise ImportFailed(path, where, _("the record has no title"))
    authors = [" ".join(author.split()) for author in authors if author.strip()]
    fields = {"title": title, "authors": "\n".join(authors), "abstract": abstract.strip(),
              "doi": doi, "id": external_id.strip()}
    for name, value in fields.items():
        problem = text_problem(value)
        if problem is None and len(value) > RECORD_FIELD_MAX[name]:
            problem = _("is too long (%(length)s characters; at most %(limit)s)") % {
                "length": f"{len(value):,}", "limit": f"{RECORD_FIELD_MAX[name]:,}"}
        if problem:
            raise ImportFailed(path, where, f"{name!r} {problem}")
    normalised = doi_normalise(doi)
    if normalised and not re.fullmatch(r"10\.\S+/\S+", normalised):
        raise ImportFailed(path, where, _("'doi' %(doi)s is not a DOI (a DOI looks like "
                                          "10.1000/xyz)") % {"doi": repr(doi[:80])})
    return RecordData(where=where, title=title, authors=authors, year=_year(path, where, year),
                      abstract=fields["abstract"], url=_url(path, where, url), doi=normalised,
                      external_id=fields["id"])


YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d|2100)(?!\d)")


def _year(path: Path, where: str, text: str) -> int | None:
    text = (text or "").strip()
    found = YEAR.search(text)
    if found:
        return int(found.group(1))
    if re.search(r"\d", text):
        raise ImportFailed(path, where, _("'year' %(year)s holds no year between 1800 and "
                                          "2100") % {"year": repr(text[:40])})
    return None  # empty, "n.d.", "forthcoming": not known


_URL = URLValidator(schemes=["http", "https"])


def _url(path: Path, where: str, value: str | list[str]) -> str:
    """The first web address (a RIS record may list several, some of them local files)."""
    candidates = value if isinstance(value, list) else [value]
    for candidate in candidates:
        candidate = (candidate or "").strip()
        if not candidate:
            continue
        try:
            _URL(candidate)
        except ValidationError:
            if isinstance(value, list):
                continue  # RIS: "internal-pdf://..." and the like are not links
            reason = _("'url' %(url)s is not a web address (http:// or https://)") % {
                "url": repr(candidate[:80])}
            raise ImportFailed(path, where, reason) from None
        if len(candidate) > RECORD_FIELD_MAX["url"]:
            raise ImportFailed(path, where, _("'url' is longer than %(limit)s characters") % {
                "limit": f"{RECORD_FIELD_MAX['url']:,}"})
        return candidate
    return ""


# --- RIS --------------------------------------------------------------------------------------

RIS_TAG = re.compile(r"^([A-Z][A-Z0-9]) {2}-(?: |$)")


def _ris_records(path: Path) -> list[RecordData]:
    """The records of a RIS file. rispy maps the tags; the file is split into records here, so
    that a record without its "ER  -" line, or text outside any record, is refused by line
    (rispy would drop such a record without a word)."""
    import rispy

    text = read_utf8(path, unit="line")
    records: list[RecordData] = []
    start = 0
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        tag = RIS_TAG.match(line)
        if tag and tag.group(1) == "TY":
            if lines:
                raise ImportFailed(path, _("line %(line)s") % {"line": number}, _(
                    "a new record (TY) begins before the record of line %(start)s ended "
                    "(its \"ER  -\" line is missing)") % {"start": start})
            start, lines = number, [line]
            continue
        if not lines:
            if line.strip():
                raise ImportFailed(path, _("line %(line)s") % {"line": number}, _(
                    "text outside a record (a record begins with \"TY  -\" and ends with "
                    "\"ER  -\")"))
            continue
        lines.append(line)
        if tag and tag.group(1) == "ER":
            where = _("record %(n)s (line %(line)s)") % {"n": len(records) + 1, "line": start}
            parsed = rispy.loads("\n".join(lines) + "\n")
            if len(parsed) != 1:
                raise ImportFailed(path, where, _("not a readable RIS record"))
            records.append(_ris_record(path, where, parsed[0], len(records) + 1))
            lines = []
    if lines:
        raise ImportFailed(path, _("line %(line)s") % {"line": start}, _(
            "the record that begins here does not end (its \"ER  -\" line is missing)"))
    return records


def _first(entry: dict, *keys: str) -> str:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = next((item for item in value if str(item).strip()), "")
        if value and str(value).strip():
            return str(value)
    return ""


def _ris_record(path: Path, where: str, entry: dict, count: int) -> RecordData:
    return _record(
        path, where, title=_first(entry, "title", "primary_title", "translated_title"),
        authors=[*entry.get("authors", []), *entry.get("first_authors", [])],
        year=_first(entry, "year", "publication_year", "date"),
        abstract=_first(entry, "abstract", "notes_abstract"), url=entry.get("urls", []),
        doi=_first(entry, "doi"), external_id=_first(entry, "id", "accession_number"),
        count=count)


# --- BibTeX -----------------------------------------------------------------------------------


def _bibtex_records(path: Path) -> list[RecordData]:
    import logging

    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    text = read_utf8(path, unit="line")
    parser_log = logging.getLogger("bibtexparser")
    level = parser_log.level
    parser_log.setLevel(logging.CRITICAL)  # it logs each failed block; the message says it
    try:
        library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    except Exception as error:  # noqa: BLE001 - the parser raises many kinds on a bad file
        raise ImportFailed(path, "file", _("not a readable BibTeX file (%(error)s)") % {
            "error": type(error).__name__}) from None
    finally:
        parser_log.setLevel(level)
    if library.failed_blocks:
        block = min(library.failed_blocks, key=lambda b: b.start_line or 0)
        reason = str(getattr(block, "error", "") or "").strip().splitlines()
        raise ImportFailed(path, _("line %(line)s") % {"line": (block.start_line or 0) + 1}, _(
            "not a readable BibTeX entry (%(reason)s)") % {
                "reason": (reason[0] if reason else _("unclosed brace or quote"))[:200]})
    records = []
    for entry in library.entries:
        fields = {item.key.lower(): str(item.value) for item in entry.fields}
        where = _("entry %(key)s (line %(line)s)") % {"key": entry.key[:60],
                                                      "line": (entry.start_line or 0) + 1}
        authors = re.split(r"\s+and\s+", fields.get("author", "")) if fields.get("author") else []
        records.append(_record(
            path, where, title=_unbrace(fields.get("title", "")), authors=[
                _unbrace(author) for author in authors],
            year=fields.get("year") or fields.get("date", ""),
            abstract=_unbrace(fields.get("abstract", "")), url=fields.get("url", ""),
            doi=fields.get("doi", ""), external_id=entry.key, count=len(records) + 1))
    return records


def _unbrace(text: str) -> str:
    return text.replace("{", "").replace("}", "")


# --- CSV and .xlsx ----------------------------------------------------------------------------


def _table_records(path: Path) -> list[RecordData]:
    table = table_rows(path, columns=RECORD_COLUMNS, optional=RECORD_OPTIONAL, lower=True,
                       sheet="records")
    records = []
    for line, row in table:
        records.append(_record(
            path, table.where(line), title=row.get("title", ""),
            authors=(row.get("authors") or "").split(";"), year=row.get("year", ""),
            abstract=row.get("abstract", ""), url=row.get("url", ""), doi=row.get("doi", ""),
            external_id=row.get("id", ""), count=len(records) + 1))
    return records
