"""The rows of a table file, CSV or Excel workbook (.xlsx), for the importers: one path for
both, so every row goes through the same validation and the same messages.

`table_rows(path, columns=..., sheet="cases")` looks at the file's first bytes (not its
name): a zip is read as a workbook with openpyxl in read-only mode, anything else as UTF-8
CSV (coding.fileio.csv_rows). Its rows are `(row number, {column: text})`, the cells as
the CSV Excel writes would hold them, and `Table.where(row)` names a place in messages:
"row 4" in a CSV file, "Sheet1 row 4" in a workbook.

Which sheet: the one named like the file's kind (`cases`, `codings`; any case), else the
first worksheet; the others are not read.

What a cell becomes: text as typed (a leading "'" before a formula character dropped, as in
CSV); a whole number, also one a program stored as 2019.0 or 1.2E1, as "2019"; another number in
Python's shortest form ("0.25"); TRUE/FALSE as "true"/"false"; a date as "2019-03-15"
(with its time if it has one). Refused, naming the sheet, row and column: a formula (its
saved result may be stale, or missing in files written by programs; paste values), an
error value (#N/A), merged cells (only the first cell of a merged range holds the value,
the others would read as empty), a value right of the header's last column, and a cell
longer than a CSV cell may be. Empty rows are skipped wherever they are.

Bounds (coding.input_limits.XLSX_LIMITS), checked before openpyxl reads anything but the
zip's directory: the unpacked size (a zip bomb is refused by its declared sizes, which
Python's zipfile holds the data to), the compression ratio of each large part, the number
of parts and of sheets; then while reading: rows, columns (cells right of the limit are not
read at all) and cell length.
"""

from __future__ import annotations

import datetime
import re
import warnings
import zipfile
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coding.fileio import ImportFailed, csv_rows, csv_uncell, header_check
from coding.input_limits import CSV_CELL_MAX, XLSX_LIMITS

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls) and other OLE files
SAVE_AS = gettext_noop(
    "save it from your spreadsheet program as an Excel Workbook (.xlsx) or as CSV UTF-8"
)


class Table:
    """The rows of one table file and how to name a place in it."""

    def __init__(self, rows: Iterable[tuple[int, dict[str, str]]], *, sheet: str | None = None,
                 sheets: int = 0):
        self._rows = rows
        self.sheet = sheet  # the worksheet read (None for CSV)
        self.sheets = sheets  # how many worksheets the workbook has

    def where(self, row: int) -> str:
        return f"{self.sheet} row {row}" if self.sheet is not None else f"row {row}"

    @property
    def whole(self) -> str:
        """The place for a problem with the whole table."""
        return self.sheet if self.sheet is not None else "file"

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return iter(self._rows)


def table_rows(path: Path | str, *, columns: Collection[str], optional: Collection[str] = (),
               lower: bool = False, sheet: str) -> Table:
    """The file's rows (see the module docstring); raises ImportFailed."""
    path = Path(path)
    head = _head(path)
    if head == ZIP_MAGIC:
        return _workbook_table(path, columns=list(columns), optional=list(optional),
                               lower=lower, sheet=sheet)
    if head == OLE_MAGIC:
        raise ImportFailed(path, "file", _(
            "an Excel 97-2003 workbook (.xls), which is not read; %(save)s") % {"save": _(SAVE_AS)})
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFailed(path, "file", _(
            "not an Excel workbook: an .xlsx file is a zip file, and this one is not; "
            "%(save)s") % {"save": _(SAVE_AS)})
    return Table(csv_rows(path, columns=columns, optional=optional, lower=lower))


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(4)
    except OSError as error:
        raise ImportFailed(path, "file", error.strerror or str(error)) from None


# --- workbooks --------------------------------------------------------------------


def _zip_check(path: Path) -> None:
    """Refuse a zip that is damaged, not a workbook, or unpacks to more than the limits."""
    limits = XLSX_LIMITS
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFailed(path, "file", _(
            "not a readable .xlsx workbook (a damaged zip file: %(error)s); %(save)s"
        ) % {"error": error, "save": _(SAVE_AS)}) from None
    if len(parts) > limits["parts"]:
        raise ImportFailed(path, "file", _(
            "the workbook has %(count)s parts; an .xlsx file may have at most %(limit)s"
        ) % {"count": f"{len(parts):,}", "limit": f"{limits['parts']:,}"})
    unpacked = sum(part.file_size for part in parts)
    most = limits["unpacked_mb"] * 1024 * 1024
    if unpacked > most:
        raise ImportFailed(path, "file", _(
            "the workbook unpacks to %(size)s MB, more than the limit of %(limit)s MB; "
            "nothing was read (split the file, or save it as CSV UTF-8)"
        ) % {"size": f"{unpacked / 1024 / 1024:,.0f}", "limit": limits["unpacked_mb"]})
    for part in parts:
        if part.file_size > limits["ratio_from_bytes"] and (
                part.file_size > limits["ratio"] * max(part.compress_size, 1)):
            raise ImportFailed(path, "file", _(
                "the workbook's part %(name)s is compressed more than %(ratio)s to 1, which no "
                "spreadsheet program writes; refused as a possible zip bomb, nothing was read"
            ) % {"name": part.filename[:100], "ratio": limits["ratio"]})
    names = {part.filename for part in parts}
    if "xl/workbook.xml" not in names:
        what = (_("an OpenDocument spreadsheet (.ods), which is not read")
                if "content.xml" in names else _("a zip file but not an Excel workbook"))
        raise ImportFailed(path, "file", f"{what}; {_(SAVE_AS)}")


def _workbook_table(path: Path, *, columns: list[str], optional: list[str], lower: bool,
                    sheet: str) -> Table:
    import openpyxl  # only imports of workbooks need it

    _zip_check(path)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not read (data validation, extensions).
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=False,
                                          keep_links=False, keep_vba=False)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on a bad file
        # openpyxl wraps what its XML parser refused (such as entities, by defusedxml).
        cause = error.__cause__ or error
        raise ImportFailed(path, "file", _(
            "not a readable .xlsx workbook (%(error)s); %(save)s"
        ) % {"error": type(cause).__name__, "save": _(SAVE_AS)}) from None
    worksheets = book.worksheets
    if not worksheets:
        book.close()
        raise ImportFailed(path, "file", _("the workbook has no worksheet"))
    if len(book.sheetnames) > XLSX_LIMITS["sheets"]:
        book.close()
        raise ImportFailed(path, "file", _(
            "the workbook has %(count)s sheets; at most %(limit)s (only one is read: the "
            "sheet named '%(sheet)s', else the first)"
        ) % {"count": len(book.sheetnames), "limit": XLSX_LIMITS["sheets"], "sheet": sheet})
    chosen = next((ws for ws in worksheets if ws.title.strip().lower() == sheet.lower()),
                  worksheets[0])
    table = Table((), sheet=chosen.title, sheets=len(worksheets))  # its rows below
    try:
        merged = _merged_ranges(chosen)
    except Exception as error:  # noqa: BLE001 - a damaged part
        book.close()
        raise ImportFailed(path, table.whole, _(
            "not a readable worksheet (%(error)s); %(save)s"
        ) % {"error": type(error).__name__, "save": _(SAVE_AS)}) from None
    if merged:
        book.close()
        more = _(" and %(count)s more") % {"count": len(merged) - 3} if len(merged) > 3 else ""
        raise ImportFailed(path, table.whole, _(
            "merged cells (%(ranges)s%(more)s): only the first cell of a merged range holds "
            "its value, so the others would be read as empty; unmerge them and fill every "
            "cell"
        ) % {"ranges": ", ".join(merged[:3]), "more": more})
    table._rows = _workbook_rows(path, book, chosen, table, columns=columns,
                                 optional=optional, lower=lower)
    return table


MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3}\d{1,7}:"
                   rb"[A-Z]{1,3}\d{1,7})\"")
CHUNK = 1 << 20


def _merged_ranges(worksheet, most: int = 4) -> list[str]:
    """The first merged ranges of a worksheet, found by a scan of its XML (read-only
    worksheets do not read them); bounded by the zip checks above."""
    found: list[str] = []
    tail = b""
    # openpyxl's own opener of the worksheet's part (read-only worksheets have no other).
    with worksheet._get_source() as source:
        while len(found) < most:
            chunk = source.read(CHUNK)
            if not chunk:
                break
            data = tail + chunk
            for match in MERGE.finditer(data):
                ref = match.group(1).decode()
                if ref not in found:
                    found.append(ref)
            tail = data[-512:]
    return found


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _workbook_rows(path: Path, book, worksheet, table: Table, *, columns: list[str],
                   optional: list[str], lower: bool) -> Iterator[tuple[int, dict[str, str]]]:
    limits = XLSX_LIMITS
    most_columns = limits["columns"]
    try:
        # The dimension a file declares may be wrong (or huge): rows as they are, read up to
        # one column past the limit so that too wide a header is seen.
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(max_col=most_columns + 1)
        names: list[str] | None = None
        width = 0
        read = 0
        for line, cells in enumerate(rows, start=1):
            if line > limits["last_row"]:
                raise ImportFailed(path, table.where(line), _(
                    "beyond the last row a spreadsheet has (%(limit)s)"
                ) % {"limit": f"{limits['last_row']:,}"})
            if names is None:
                names = _header(path, table, cells, columns, optional, lower)
                width = len(names)
                continue
            texts = [_cell_text(path, table, line, cell, names) for cell in cells]
            if not any(text.strip() for text in texts):
                continue  # an empty row: skipped, as in CSV
            for position in range(width, len(texts)):
                if texts[position].strip():
                    raise ImportFailed(path, table.where(line), _(
                        "a value in column %(column)s (%(text)s), right of the header's last "
                        "column (%(last)s); delete it, or name its column in row 1"
                    ) % {"column": _letter(position + 1), "text": repr(texts[position][:40]),
                         "last": _letter(width)})
            read += 1
            if read > limits["rows"]:
                raise ImportFailed(path, table.where(line), _(
                    "more than %(limit)s rows below the header; split the file"
                ) % {"limit": f"{limits['rows']:,}"})
            texts += [""] * (width - len(texts))
            yield line, dict(zip(names, texts[:width], strict=True))
        if names is None:
            raise ImportFailed(path, table.whole, _(
                "the sheet is empty; expected the header %(columns)s in row 1"
            ) % {"columns": ",".join(columns)})
    except ImportFailed:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on a bad file
        raise ImportFailed(path, table.whole, _(
            "not a readable worksheet (%(error)s); %(save)s"
        ) % {"error": type(error).__name__, "save": _(SAVE_AS)}) from None
    finally:
        book.close()


def _header(path: Path, table: Table, cells, columns: list[str], optional: list[str],
            lower: bool) -> list[str]:
    names = [_cell_text(path, table, 1, cell, None).strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise ImportFailed(path, table.where(1), _(
            "the header row is empty; expected the columns %(columns)s in row 1"
        ) % {"columns": ",".join(columns)})
    if len(names) > XLSX_LIMITS["columns"]:
        raise ImportFailed(path, table.where(1), _(
            "more than %(limit)s columns; expected the columns %(columns)s"
        ) % {"limit": XLSX_LIMITS["columns"], "columns": ",".join(columns)})
    if lower:
        names = [name.lower() for name in names]
    header_check(path, names, columns, optional, where=table.where(1))
    return names


def _cell_text(path: Path, table: Table, line: int, cell, names: list[str] | None) -> str:
    """A cell's value as the text a CSV file would hold (see the module docstring)."""
    value = cell.value
    if value is None:
        return ""
    column = getattr(cell, "column", None) or 0

    def refuse(reason: str):
        place = (repr(names[column - 1]) if names and 0 < column <= len(names)
                 else _("cell %(cell)s") % {"cell": f"{_letter(column)}{line}"})
        raise ImportFailed(path, table.where(line), f"{place} {reason}")

    kind = getattr(cell, "data_type", None)
    if kind == "f":
        formula = str(getattr(value, "text", value))
        refuse(_("is a formula (%(formula)s): its saved result may be out of date or missing; "
                 "copy the column and paste it as values, then import again")
               % {"formula": formula[:60]})
    if kind == "e":
        refuse(_("holds the error %(error)s; correct the cell or empty it") % {"error": value})
    text = _as_text(value)
    if len(text) > CSV_CELL_MAX:
        refuse(_("is longer than %(limit)s characters") % {"limit": f"{CSV_CELL_MAX:,}"})
    return text


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return csv_uncell(str(value))

