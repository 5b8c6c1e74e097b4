"""The bounds of a workbook import (coding.input_limits.XLSX_LIMITS): a zip bomb is refused
from the zip's directory before anything is unpacked, and rows, columns, sheets and cells
are counted while the one sheet is read. Nothing is stored when a limit is passed."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.imports.services import import_job_check
from coding.input_limits import XLSX_LIMITS
from coding.models import Case, ImportJob, ImportStatus
from coding.reviews.importers import ImportFailed, cases_import
from tests.imports.xlsx import CASE_HEADER, cases_workbook, workbook


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _bomb(megabytes: int) -> bytes:
    """A real workbook whose sheet part is padded with `megabytes` MB of spaces inside its
    XML (valid, and compressed about a thousand to one)."""
    source = zipfile.ZipFile(io.BytesIO(cases_workbook(["1", "A", "", "", "", "", ""])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (megabytes << 20))
            target.writestr(item.filename, data)
    return out.getvalue()


def _import(tmp_path, data: bytes):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(data)
    return cases_import(path=path, review_slug="demo")


def test_a_zip_bomb_is_refused_on_the_import_page_and_nothing_is_read(
        client, review, lead, monkeypatch):
    data = _bomb(30)
    assert len(data) < 200_000  # 30 MB of XML in a small upload
    monkeypatch.setitem(XLSX_LIMITS, "unpacked_mb", 20)
    client.force_login(lead)
    client.post(reverse("coding:imports", args=["demo"]),
                {"kind": "cases", "file": SimpleUploadedFile("bomb.xlsx", data)})
    job = ImportJob.objects.get()
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert job.error.startswith("bomb.xlsx: file: the workbook unpacks to 30 MB, more than the "
                                "limit of 20 MB")
    assert not Case.objects.filter(review=review).exists()


def test_a_part_compressed_like_a_zip_bomb_is_refused_within_the_size_limit(review, tmp_path):
    with pytest.raises(ImportFailed, match="compressed more than 100 to 1.*zip bomb"):
        _import(tmp_path, _bomb(5))
    assert not Case.objects.filter(review=review).exists()


def test_an_ordinary_large_sheet_is_compressed_well_under_the_bomb_ratio(review, tmp_path):
    rows = [[str(n), "The same long title of a case, again and again", "United Kingdom", 2019,
             "Health", "", ""] for n in range(1, 5_001)]
    data = cases_workbook(*rows)
    sheet = next(i for i in zipfile.ZipFile(io.BytesIO(data)).infolist()
                 if i.filename.startswith("xl/worksheets/"))
    assert sheet.file_size > XLSX_LIMITS["ratio_from_bytes"]
    assert sheet.file_size < XLSX_LIMITS["ratio"] / 3 * sheet.compress_size
    assert _import(tmp_path, data).created == 5_000


@pytest.mark.parametrize("limit, data, message", [
    ("rows", cases_workbook(*[[str(n), "A", "", "", "", "", ""] for n in range(1, 6)]),
     "Sheet1 row 6: more than 4 rows below the header"),
    ("columns", workbook([[*CASE_HEADER, "x", "y"]]), "Sheet1 row 1: more than 8 columns"),
    ("sheets", workbook([CASE_HEADER], sheets=[("a", []), ("b", [])]),
     "file: the workbook has 3 sheets; at most 2"),
    ("last_row", None, "Sheet1 row 11: beyond the last row a spreadsheet has (10)"),
])
def test_rows_columns_sheets_and_row_numbers_past_the_limits_are_refused(
        review, tmp_path, monkeypatch, limit, data, message):
    small = {"rows": 4, "columns": 8, "sheets": 2, "last_row": 10}
    monkeypatch.setitem(XLSX_LIMITS, limit, small[limit])
    if data is None:  # a case on row 12, below empty rows
        data = workbook([CASE_HEADER, *[[None]] * 10, ["1", "A", "", "", "", "", ""]])
    with pytest.raises(ImportFailed) as error:
        _import(tmp_path, data)
    assert f"{error.value.where}: {error.value.reason}".startswith(message)
    assert not Case.objects.filter(review=review).exists()


def test_a_cell_longer_than_a_csv_cell_may_be_is_refused(review, tmp_path, monkeypatch):
    monkeypatch.setattr("coding.tables.CSV_CELL_MAX", 100)
    with pytest.raises(ImportFailed, match="Sheet1 row 3: 'summary' is longer than 100"):
        _import(tmp_path, cases_workbook(["1", "A", "", "", "", "short", ""],
                                         ["2", "B", "", "", "", "x" * 101, ""]))
    assert not Case.objects.filter(review=review).exists()


def test_a_workbook_with_too_many_parts_is_refused(review, tmp_path, monkeypatch):
    monkeypatch.setitem(XLSX_LIMITS, "parts", 3)
    with pytest.raises(ImportFailed, match="the workbook has \\d+ parts; an .xlsx file may "
                                           "have at most 3"):
        _import(tmp_path, cases_workbook(["1", "A", "", "", "", "", ""]))


def test_a_sheet_with_xml_entities_is_refused_without_expanding_them(review, tmp_path):
    """A "billion laughs" in a worksheet's XML: openpyxl parses with defusedxml."""
    source = zipfile.ZipFile(io.BytesIO(cases_workbook(["1", "A", "", "", "", "", ""])))
    laughs = ('<!DOCTYPE d [<!ENTITY a "hahahahahahahahahaha">'
              + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'
                        for n in range(9))
              + "]>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes no XML declaration: the DOCTYPE comes first.
                data = laughs.encode() + data.replace(b"<v>", b"<v>&j;", 1)
            target.writestr(item.filename, data)
    with pytest.raises(ImportFailed, match=r"not a readable .xlsx workbook \(EntitiesForbidden\)"):
        _import(tmp_path, out.getvalue())
    assert not Case.objects.filter(review=review).exists()
