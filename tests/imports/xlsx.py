"""Workbooks for the tests, written with openpyxl as a spreadsheet program would save them."""

import io

from openpyxl import Workbook

CASE_HEADER = ["number", "title", "country", "year", "service_area", "summary", "source"]


def workbook(rows, *, title="Sheet1", sheets=(), merge=None) -> bytes:
    """An .xlsx with `rows` on its first sheet (titled `title`), then further sheets
    (title, rows); `merge` merges a range of the first sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    for other_title, other_rows in sheets:
        other = book.create_sheet(other_title)
        for row in other_rows:
            other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cases_workbook(*rows, **options) -> bytes:
    return workbook([CASE_HEADER, *rows], **options)
