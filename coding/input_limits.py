"""Refuse control characters in addresses, query parameters and form fields (400 with a
message naming the place), before any view or database sees them: PostgreSQL cannot
store or compare a NUL character and answered such requests with a server error.

JSON bodies are checked by coding.api.parsers.StrictJSONParser; the lengths and the
text of each field by coding.values.text_problem, which this module shares.

The limits on what people upload, in one place (each enforced where the file is read):

- a document (PDF, HTML, text, Markdown): `DOCUMENT_MAX_MB` (50), documents/files.py;
- a PDF: `DOCUMENT_MAX_PAGES` (2,000; its page tree's count), documents/files.py;
- a document's text extraction: `TEXT_EXTRACTION_LIMITS` (seconds, memory, pages),
  documents/text.py;
- an HTML document: sanitised by nh3 (which bounds nesting itself), documents/files.py;
- many documents at once (the documents page, `POST /api/reviews/<slug>/documents/`):
  `DOCUMENT_BATCH_MAX_FILES` files a request, checked for at most `DOCUMENT_BATCH_SECONDS`
  (the rest answered "not checked, send again"), documents/bulk.py;
- a zip of documents: `DOCUMENT_ZIP_MAX_BYTES` the archive, `DOCUMENT_ZIP_MAX_ENTRIES` files,
  `DOCUMENT_ZIP_MAX_TOTAL_BYTES` uncompressed in all, `DOCUMENT_ZIP_MAX_RATIO` compression
  ratio per file (a zip bomb), no zip inside it, no absolute path or "..", hidden files and
  `__MACOSX/` skipped, documents/bulk.py; each file then as a document above;
- an import (codebook YAML, cases or codings CSV): `IMPORT_MAX_MB` (50), imports/services.py;
- a YAML file: `YAML_MAX_SIZE` (2 MB), `MAX_NESTING` levels, no anchors or aliases,
  fileio.py;
- a REFI-QDA codebook (`.qdc`, XML): `QDC_MAX_SIZE` (2 MB), `QDC_MAX_DEPTH` levels of
  elements, `QDC_MAX_ELEMENTS` elements, no DOCTYPE (so no entities, internal or external),
  reviews/qdc.py;
- a CSV file: a cell of at most 131,072 characters (Python's csv limit), every row as wide
  as the header, every quote closed, fileio.py;
- an .xlsx workbook (cases or codings): `XLSX_LIMITS` below (unpacked size, compression
  ratio, parts, sheets, rows, columns) and the CSV cell length, tables.py;
- a records file (RIS, BibTeX, CSV, .xlsx): `IMPORT_MAX_MB`, `RECORDS_MAX` records and
  `RECORD_FIELD_MAX` characters a field, records/parsers.py (and the .xlsx limits);
- a JSON body of the API: `MAX_NESTING` levels, api/parsers.py;
- a form or multipart body: Django's `DATA_UPLOAD_MAX_*`, and a part's header (a file
  name) of at most 1 KB, this module;
- a text field: `INPUT_MAX_LENGTHS` characters, values.py;
- a codebook: `CODEBOOK_MAX_ATTRIBUTES` attributes, `CODEBOOK_MAX_OPTIONS` options per
  attribute, reviews/codebooks.py.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext

from coding.values import text_problem

# A codebook (any source: file, editor, API): attributes in all, options per attribute
# (checked by reviews/codebooks.py codebook_validate; the editor's preview renders them all).
CODEBOOK_MAX_ATTRIBUTES = 1000
CODEBOOK_MAX_OPTIONS = 1000

# Many documents at once. A request of the documents page or the API carries at most this many
# files (Django's DATA_UPLOAD_MAX_NUMBER_FILES, 100 by default, refuses more before we see
# them); the page sends larger drops in several requests.
DOCUMENT_BATCH_MAX_FILES = 100
# Seconds one request spends checking and storing files (gunicorn's timeout is 60): the files
# not reached are answered "not checked in time" and the page sends them again.
DOCUMENT_BATCH_SECONDS = 40
# A zip of documents: the archive's size, its files (hidden ones and __MACOSX/ not counted),
# their uncompressed size in all (as the archive declares it; reading never goes past the
# declared size), and the most one file may be compressed (uncompressed / compressed size:
# text compresses some 3 to 10 times, a zip bomb a thousand times and more).
DOCUMENT_ZIP_MAX_BYTES = 500 * 1024 * 1024
DOCUMENT_ZIP_MAX_ENTRIES = 1000
DOCUMENT_ZIP_MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
DOCUMENT_ZIP_MAX_RATIO = 100

# Levels of nesting in a YAML file or a JSON body (a codebook needs 7, a coding's JSON 6).
MAX_NESTING = 20
# A cell of a CSV or .xlsx file, in characters (Python's csv module's default field limit).
CSV_CELL_MAX = 131_072
# An .xlsx workbook (coding/tables.py). Checked from the zip's directory before anything is
# unpacked: the unpacked size of all its parts, how much any part over `ratio_from_bytes` is
# compressed (a zip bomb is compressed thousands to 1; a sheet's XML much less, see
# tests/imports/test_xlsx_limits.py), the number of parts and of sheets. While reading the
# one sheet: rows below the header (a codings file of 10,000 cases coded twice on 12
# attributes has 240,000), columns (the widest file has 9; cells right of the limit are not
# read) and the last row number a spreadsheet has.
XLSX_LIMITS = {
    "unpacked_mb": 400,
    "ratio": 100,
    "ratio_from_bytes": 1024 * 1024,
    "parts": 1000,
    "sheets": 100,
    "rows": 300_000,
    "columns": 50,
    "last_row": 1_048_576,
}
# Bytes of a YAML file (a codebook): PyYAML takes some thirty times a file's size in memory.
YAML_MAX_SIZE = 2 * 1024 * 1024
# A REFI-QDA codebook (.qdc): bytes, levels of nested elements (CodeBook, Codes, then codes
# within codes: ours use 5, NVivo and ATLAS.ti trees a few more) and elements in all.
QDC_MAX_SIZE = 2 * 1024 * 1024
QDC_MAX_DEPTH = 16
QDC_MAX_ELEMENTS = 20_000


def nesting_over(data, limit: int = MAX_NESTING) -> bool:
    """Whether lists and mappings in `data` nest more than `limit` levels (no recursion)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            values = item.values() if isinstance(item, dict) else item
            stack.extend((value, depth + 1) for value in values)
    return False


def request_problem(request) -> str | None:
    """What is wrong with the request's address, query or form fields (None if nothing)."""
    problem = text_problem(request.path_info, multiline=False)
    if problem:
        return gettext("The address %(problem)s.") % {"problem": problem}
    for name, values in request.GET.lists():
        for text in (name, *values):
            problem = text_problem(text, multiline=False)
            if problem:
                return gettext("The query parameter %(name)s %(problem)s.") % {
                    "name": _name(name), "problem": problem}
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        try:
            fields = request.POST.lists()
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent,
                TooManyFilesSent) as error:
            # Django would answer with its HTML 400 page, also to an API client.
            return _unreadable_form(error)
        for name, values in fields:
            for text in (name, *values):
                problem = text_problem(text)
                if problem:
                    return gettext("The form field %(name)s %(problem)s.") % {
                        "name": _name(name), "problem": problem}
    return None


def _unreadable_form(error: Exception) -> str:
    if isinstance(error, RequestDataTooBig):
        return gettext("The form's fields are larger than the server accepts.")
    if isinstance(error, TooManyFieldsSent | TooManyFilesSent):
        return gettext("The form has more fields or files than the server accepts.")
    if "header size" in str(error):
        return gettext("The upload could not be read: a file name (or a field's header) is "
                       "longer than the server accepts (about 1,000 characters). Rename the "
                       "file.")
    return gettext("The upload could not be read (%(error)s).") % {"error": error}


def _name(name: str) -> str:
    return repr(name) if text_problem(name, multiline=False) is None else "(unnamed)"


def refuse_control_characters(get_response):
    def middleware(request):
        problem = request_problem(request)
        if problem is None:
            return get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": problem, "errors": [problem]}, status=400)
        body = render_to_string("coding/bad_request.html", {"message": problem})
        return HttpResponse(body, status=400)

    return middleware

# Citable releases (coding.releases.services): the cases one release may freeze, and the
# length of the title, authors and notes a lead writes.
RELEASE_MAX_CASES = 20_000
RELEASE_MAX_AUTHORS_CHARS = 5_000
RELEASE_MAX_NOTES_CHARS = 20_000

# Candidate records for screening (coding.records.parsers): records in one file (RIS, BibTeX,
# CSV, .xlsx; the file's size is IMPORT_MAX_MB), and characters in each field (the title, DOI and
# id are the database columns' sizes; authors one per line).
RECORDS_MAX = 50_000
RECORD_FIELD_MAX = {
    "title": 1000,
    "authors": 10_000,
    "abstract": 20_000,
    "url": 1000,
    "doi": 200,
    "id": 200,
}
