"""One export path: the chunked tuple reader every export reads its cases with, and one writer
per table format (CSV, .xlsx) shared by the pages and the commands.

An export is a `Table`: a header and its rows in chunks (lists of rows, one chunk per chunk of
cases). Rows hold plain values: text, int, float or None. The pages' `export.csv` and
`export.xlsx` (coding/web/public.py) and the commands `export_cases`, `export_consensus` and
`export_codings` build their tables from `case_chunks` and write them with `csv_pieces` or
`xlsx_write`, so every format has one implementation and every export the same speed per row.
Memory stays the same whatever the number of cases: one chunk of rows at a time (the .xlsx
writer keeps the sheet in a temporary file until the workbook is zipped).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from coding.dbbulk import chunked
from coding.fileio import csv_cell, csv_writer

# Cases per chunk: each chunk costs a few queries (its values, their chosen options).
EXPORT_CHUNK = 1000


def case_chunks(cases: QuerySet, fields: Iterable[str],
                chunk_size: int | None = None) -> Iterator[list[tuple]]:
    """The cases' `fields` as tuples in the queryset's order, in lists of `chunk_size`
    (default EXPORT_CHUNK) read with a chunked cursor: the one reader of every export."""
    size = chunk_size or EXPORT_CHUNK
    yield from chunked(cases.values_list(*fields).iterator(chunk_size=size), size)


def ids_lookup(field: str, ids: list[int]) -> dict:
    """A filter on `field` (an id) that takes in at least `ids`: their range when the ids
    are dense (as the cases of an export in number order, and their values), which spares
    the database and the driver a list of a thousand parameters per query, else the list.
    Callers look rows up by their own ids, so the few others a range may bring are never
    read."""
    low, high = min(ids), max(ids)
    if high - low < 2 * len(ids):
        return {f"{field}__gte": low, f"{field}__lte": high}
    return {f"{field}__in": ids}


def chosen_options(through, value_field: str, value_ids: list[int]) -> dict[int, list[int]]:
    """Value id -> the ids of its chosen options, for the values `value_ids` of an export's
    chunk, in one query on the options table `through` (its value column `value_field`, e.g.
    "consensusvalue_id"). Joined into the values' query instead, PostgreSQL read the whole
    options table for every chunk."""
    chosen: dict[int, list[int]] = defaultdict(list)
    if value_ids:
        for value_id, option_id in through.objects.filter(
            **ids_lookup(value_field, value_ids)
        ).order_by().values_list(value_field, "option_id"):
            chosen[value_id].append(option_id)
    return chosen


@dataclass
class Table:
    """An export: `sheet` names the .xlsx sheet, `header` the columns, `chunks` yields lists
    of rows (each a list of cells: str, int, float or None)."""

    sheet: str
    header: list[str]
    chunks: Iterable[list[list]]


# --- CSV ---------------------------------------------------------------------------


class _Lines:
    """A file for csv.writer that hands back what was written, for streaming."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def csv_pieces(table: Table, *, lineterminator: str = "\r\n") -> Iterator[str]:
    """The table as CSV text (formula-safe: coding.fileio), one piece per chunk of rows and
    never an empty piece. Returns, as the generator's value, the number of rows."""
    lines = _Lines()
    writer = csv_writer(lines, lineterminator=lineterminator)
    writer.writerow(table.header)
    head = lines.take()
    count = 0
    for chunk in table.chunks:
        writer.writerows(chunk)
        count += len(chunk)
        piece = head + lines.take()
        head = ""
        if piece:
            yield piece
    if head:
        yield head
    return count


def csv_write(table: Table, out: IO[str], *, lineterminator: str = "\r\n") -> int:
    """Write the table as CSV to `out`; returns the number of rows."""
    pieces = csv_pieces(table, lineterminator=lineterminator)
    while True:
        try:
            out.write(next(pieces))
        except StopIteration as done:
            return done.value


# --- .xlsx -------------------------------------------------------------------------


def xlsx_cell(value):
    """A value as an .xlsx cell: numbers as numbers, empty as no cell value, text escaped as
    in CSV (a leading "'" before "=", "+", "-", "@", tab or carriage return, so it is never a
    formula) without the characters XML cannot hold (C0 controls other than tab and line
    breaks, which the app refuses on input anyway)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", csv_cell(value))


def xlsx_write(table: Table, out: BinaryIO | str) -> int:
    """Write the table as an .xlsx workbook of one sheet (header row first) to `out`, a
    binary file or a path; returns the number of rows. openpyxl's write-only mode keeps the
    rows in a temporary file, so memory stays flat whatever the size."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.sheet[:31])
    sheet.append([xlsx_cell(name) for name in table.header])
    count = 0
    for chunk in table.chunks:
        # No text cell begins with "=" after xlsx_cell, so openpyxl makes none a formula.
        for row in chunk:
            sheet.append([xlsx_cell(value) for value in row])
        count += len(chunk)
    workbook.save(out)
    return count


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
