"""Cases and codings from Excel workbooks (.xlsx): the same rows, checks and messages as CSV,
the place named by sheet and row; cells typed as numbers or dates read as the CSV text would;
formulas, error values, merged cells and stray values refused; nothing stored on a refusal."""

import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from coding.codings.transfer import codings_import
from coding.models import Case, Coding
from coding.reviews.importers import cases_import
from tests import factories
from tests.imports.xlsx import CASE_HEADER, cases_workbook, workbook


def _write(tmp_path, data: bytes, name="cases.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_import_cases_reads_a_workbook_with_numbers_typed_as_numbers(review, tmp_path):
    path = _write(tmp_path, cases_workbook(
        [12, "Library run by residents", "UK", 2019.0, "Culture; Education", "A summary", None],
        ["13", "School meals", "Sweden", 2020, None, None, "Smith 2016"],
        [None] * 7,  # an empty row between cases is skipped, as in CSV
        [14.0, "Parks", None, None, "Environment", None, None],
        [None] * 7, [None] * 7,  # and trailing empty rows
    ))
    out = io.StringIO()
    call_command("import_cases", str(path), review="demo", stdout=out)
    assert "3 created" in out.getvalue()
    cases = {c.number: c for c in Case.objects.filter(review=review)}
    assert set(cases) == {"12", "13", "14"}  # not "12.0" nor "14.0"
    assert (cases["12"].year, cases["13"].year, cases["14"].year) == (2019, 2020, None)
    assert sorted(cases["12"].service_areas.values_list("name", flat=True)) == [
        "Culture", "Education"]
    assert cases["13"].source == "Smith 2016" and cases["14"].country == ""


def test_numbers_stored_as_decimals_or_exponents_read_as_whole_numbers(review, tmp_path):
    """Excel stores 2019 as <v>2019</v>; other programs write 2019.0 or 1.2E1: the same."""
    data = cases_workbook([12, "A", "UK", 2019, "", "", ""], [13, "B", "UK", 2020, "", "", ""])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<v>2019</v>" in part and b"<v>12</v>" in part
                part = part.replace(b"<v>2019</v>", b"<v>2019.0</v>").replace(
                    b"<v>12</v>", b"<v>1.2E1</v>")
            target.writestr(item.filename, part)
    cases_import(path=_write(tmp_path, out.getvalue()), review_slug="demo")
    assert dict(Case.objects.filter(review=review).values_list("number", "year")) == {
        "12": 2019, "13": 2020}


def test_a_workbook_and_the_same_csv_import_the_same_cases(review, tmp_path):
    rows = [["7", "Same case", "Kenya", "2018", "Health", "Text, with a comma", "A source"]]
    csv_text = (",".join(CASE_HEADER) + "\n"
                + '7,Same case,Kenya,2018,Health,"Text, with a comma",A source\n')
    first = cases_import(path=_write(tmp_path, cases_workbook(*rows)), review_slug="demo")
    assert (first.created, first.sheet) == (1, "Sheet1")
    again = cases_import(path=_write(tmp_path, csv_text.encode(), "cases.csv"),
                         review_slug="demo")
    assert (again.created, again.updated, again.unchanged, again.sheet) == (0, 0, 1, None)


def test_the_sheet_named_cases_is_read_else_the_first(review, tmp_path):
    data = workbook([["notes"], ["not cases"]], title="Read me", sheets=[
        ("Cases", [CASE_HEADER, ["31", "From the cases sheet", "", "", "", "", ""]])])
    result = cases_import(path=_write(tmp_path, data), review_slug="demo")
    assert (result.created, result.sheet) == (1, "Cases")
    assert Case.objects.filter(review=review, number="31").exists()
    data = workbook([CASE_HEADER, ["32", "First sheet", "", "", "", "", ""]], title="Data",
                    sheets=[("Other", [["whatever"]])])
    assert cases_import(path=_write(tmp_path, data), review_slug="demo").sheet == "Data"


def test_dates_booleans_and_text_read_as_their_csv_text(review, tmp_path):
    from coding.tables import table_rows

    path = _write(tmp_path, cases_workbook(
        ["1", True, "UK", datetime.datetime(2019, 3, 15), "", 0.25, "'=not a formula"],
        ["2", "x", "UK", datetime.datetime(2019, 3, 15, 10, 30), "", 1e20, ""],
    ))
    rows = [row for _, row in table_rows(path, columns=CASE_HEADER, sheet="cases")]
    assert [(r["title"], r["year"], r["summary"], r["source"]) for r in rows] == [
        ("true", "2019-03-15", "0.25", "=not a formula"),
        ("x", "2019-03-15 10:30:00", "1e+20", ""),
    ]


BAD_WORKBOOKS = {
    "a bad year": (cases_workbook(["1", "A", "UK", 2019, "", "", ""],
                                  ["2", "B", "UK", 2019, "", "", ""],
                                  ["3", "C", "UK", "nineteen", "", "", ""]),
                   "cases.xlsx: Sheet1 row 4: 'year' must be a whole number or empty, "
                   "got 'nineteen'"),
    "an empty title": (cases_workbook(["1", None, "UK", 2019, "", "", ""]),
                       "cases.xlsx: Sheet1 row 2: 'title' is empty"),
    "a case twice": (cases_workbook(["1", "A", "", "", "", "", ""], [1, "B", "", "", "", "", ""]),
                     "cases.xlsx: Sheet1 row 3: case number '1' already appears in row 2"),
    "an unknown column": (workbook([[*CASE_HEADER[:-1], "sorce"], ["1", "A", "", "", "", "", ""]]),
                          "cases.xlsx: Sheet1 row 1: unknown column(s) 'sorce' (did you mean "
                          "'source'?)"),
    "a missing column": (workbook([CASE_HEADER[:-1], ["1", "A", "", "", "", ""]]),
                         "cases.xlsx: Sheet1 row 1: missing column(s) source"),
    "a formula": (cases_workbook(["1", "A", "UK", "=2018+1", "", "", ""]),
                  "cases.xlsx: Sheet1 row 2: 'year' is a formula (=2018+1)"),
    "an error value": (None, "cases.xlsx: Sheet1 row 2: 'country' holds the error #N/A"),
    "merged cells": (cases_workbook(["1", "A", "UK", "", "", "", ""],
                                    ["2", "B", None, "", "", "", ""], merge="C2:C3"),
                     "cases.xlsx: Sheet1: merged cells (C2:C3)"),
    "a stray value": (workbook([CASE_HEADER, ["1", "A", "", "", "", "", "", None, "note"]]),
                      "cases.xlsx: Sheet1 row 2: a value in column I ('note'), right of the "
                      "header's last column (G)"),
    "an empty sheet": (workbook([]), "cases.xlsx: Sheet1: the sheet is empty"),
    "no cases": (workbook([CASE_HEADER]), "cases.xlsx: Sheet1: no cases found below the header"),
    "an old .xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
                    "cases.xlsx: file: an Excel 97-2003 workbook (.xls)"),
    "not a zip": (b"number,title\n", "cases.xlsx: file: not an Excel workbook"),
    "a damaged zip": (b"PK\x03\x04 and then nothing", "cases.xlsx: file: not a readable .xlsx"),
}


def _error_value_workbook() -> bytes:
    """openpyxl writes "#N/A" as an error cell, as Excel saves one."""
    return cases_workbook(["1", "A", "#N/A", "", "", "", ""])


@pytest.mark.parametrize("case", BAD_WORKBOOKS)
def test_a_bad_workbook_is_refused_naming_the_sheet_and_row_and_stores_nothing(
        review, tmp_path, case):
    data, message = BAD_WORKBOOKS[case]
    path = _write(tmp_path, data if data is not None else _error_value_workbook())
    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(path), review="demo", stdout=io.StringIO())
    assert str(error.value).startswith(f"Nothing imported. {tmp_path}/")
    assert message in str(error.value)
    assert not Case.objects.filter(review=review).exists()


def test_an_opendocument_spreadsheet_is_refused_with_what_to_do(review, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    path = _write(tmp_path, buffer.getvalue(), "cases.ods")
    with pytest.raises(CommandError, match=r"OpenDocument spreadsheet \(\.ods\).*CSV UTF-8"):
        call_command("import_cases", str(path), review="demo", stdout=io.StringIO())


def test_codings_import_from_a_workbook_names_the_sheet_in_its_messages(
        review, coder_a, coder_b, tmp_path):
    factories.CaseFactory(review=review, number="1")
    header = ["case", "coder", "attribute", "value"]
    good = workbook([header, [1, "alice", "level", "local"], [1, "alice", "budget", 12.0],
                     [1, "alice", "agreement", True], [1, "bob", "level", "state"]],
                    title="codings")
    result = codings_import(path=_write(tmp_path, good, "codings.xlsx"), review_slug="demo")
    assert (result.created, result.sheet) == (2, "codings")
    alice = Coding.objects.get(case__number="1", coder=coder_a)
    values = {v.attribute.key: v for v in alice.values.select_related("attribute")}
    assert (values["budget"].number, values["agreement"].boolean) == (12.0, True)

    bad = workbook([header, [1, "alice", "level", "regional"]], title="codings")
    with pytest.raises(Exception) as error:
        codings_import(path=_write(tmp_path, bad, "codings.xlsx"), review_slug="demo")
    assert "codings row 2: unknown option 'regional' for attribute 'level'" in str(error.value)
