"""Importing candidate records: one search per file, fields normalised, duplicates marked
suspected (by DOI, or by title and year, across searches and within a file), bad files import
nothing and say where and why."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from coding.fileio import ImportFailed
from coding.models import AuditEvent, DuplicateStatus, Record, Search
from coding.records.parsers import doi_normalise, title_key
from coding.records.selectors import (
    duplicates_removed_per_source,
    records_for_screening,
    records_identified_per_source,
)
from coding.records.services import duplicate_confirm, records_import
from tests.records.data import BIBTEX, CSV, GI_RIS, NESTA_RIS


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(review, lead, path, source, **kwargs):
    return records_import(review=review, path=path, source=source, actor=lead, **kwargs)


def test_a_ris_file_with_known_duplicates_imports_with_the_right_counts_per_source(
        tmp_path, review, lead):
    nesta = _import(review, lead, _file(tmp_path, "nesta.ris", NESTA_RIS), "Nesta",
                    searched_on="2014-06-01", query="coproduction")
    gi = _import(review, lead, _file(tmp_path, "gi.ris", GI_RIS), "Governance International")
    assert (nesta["records"], nesta["suspected"], nesta["suspected_in_file"]) == (4, 1, 1)
    assert (gi["records"], gi["suspected"], gi["suspected_in_file"]) == (3, 1, 0)
    assert records_identified_per_source(review) == {"Governance International": 3, "Nesta": 4}
    search = Search.objects.get(source="Nesta")
    assert (str(search.searched_on), search.query, search.filename, search.count) == (
        "2014-06-01", "coproduction", "nesta.ris", 4)

    first, second = Record.objects.filter(search__source="Nesta").order_by("pk")[:2]
    repeat = Record.objects.get(title__endswith="(summary)")
    assert (repeat.duplicate_status, repeat.duplicate_of) == (DuplicateStatus.SUSPECTED, first)
    by_title = Record.objects.get(title="Parents plan school-meals!")
    assert (by_title.duplicate_status, by_title.duplicate_of) == (DuplicateStatus.SUSPECTED,
                                                                   second)
    other_year = Record.objects.get(title="Parents plan school meals", year=2012)
    assert other_year.duplicate_status == DuplicateStatus.NONE
    assert records_for_screening(review).count() == 5  # 7 less the 2 suspected

    duplicate_confirm(record=by_title, actor=lead)
    duplicate_confirm(record=repeat, actor=lead)
    assert duplicates_removed_per_source(review) == {"Governance International": 1, "Nesta": 1}


def test_ris_fields_are_normalised(tmp_path, review, lead):
    _import(review, lead, _file(tmp_path, "nesta.ris", NESTA_RIS), "Nesta")
    record = Record.objects.order_by("pk").first()
    assert (record.title, record.authors, record.year, record.doi, record.url,
            record.external_id) == ("Residents run the village library", "Smith, Jane\nDoe, John",
                                    2015, "10.1000/lib.1", "https://example.org/library", "n1")
    assert record.abstract.startswith("Volunteers")
    assert record.title_key == "residentsrunthevillagelibrary"
    assert Record.objects.get(title__startswith="A national").title  # T1 is a title too


def test_bibtex_and_csv_import_and_find_duplicates_across_formats(tmp_path, review, lead):
    bib = _import(review, lead, _file(tmp_path, "refs.bib", BIBTEX), "Scopus")
    assert (bib["records"], bib["suspected"]) == (2, 0)
    smith = Record.objects.get(external_id="smith2015")
    assert (smith.title, smith.authors, smith.doi) == (
        "Residents run the Village library", "Smith, Jane\nMüller, Karl", "10.1000/lib.1")
    csv = _import(review, lead, _file(tmp_path, "more.csv", CSV), "Nesta")
    assert (csv["records"], csv["suspected"]) == (2, 1)  # the library, by title and year
    assert Record.objects.get(external_id="c1").duplicate_of == smith
    assert Record.objects.get(external_id="c2").doi == "10.1/yc"


def test_an_xlsx_file_imports(tmp_path, review, lead):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "records"
    sheet.append(["Title", "Year", "DOI"])
    sheet.append(["Community gardens", 2017, "doi:10.5/CG"])
    book.save(tmp_path / "records.xlsx")
    result = _import(review, lead, tmp_path / "records.xlsx", "Nesta")
    assert result["records"] == 1
    assert Record.objects.get().doi == "10.5/cg"


def test_a_dry_run_keeps_nothing(tmp_path, review, lead):
    result = _import(review, lead, _file(tmp_path, "nesta.ris", NESTA_RIS), "Nesta",
                     dry_run=True)
    assert (result["records"], result["suspected"], result["search"]) == (4, 1, None)
    assert result["first"][3]["duplicate_of"] == "Residents run the village library"
    assert not Record.objects.exists() and not Search.objects.exists()
    assert not AuditEvent.objects.filter(action="records.import").exists()


@pytest.mark.parametrize(("name", "text", "where", "reason"), [
    ("bad.ris", NESTA_RIS.replace("ER  -\n\nTY  - JOUR", "\nTY  - JOUR"), "line 17",
     "ER  -"),
    ("bad.ris", NESTA_RIS + "TY  - RPRT\nTI  - Unfinished\n", "line 29", "does not end"),
    ("bad.ris", NESTA_RIS.replace("TI  - Parents plan school meals\n", ""),
     "record 2 (line 12)", "no title"),
    ("bad.ris", NESTA_RIS.replace("PY  - 2019", "PY  - 1066"), "record 2 (line 12)",
     "no year between 1800 and 2100"),
    ("bad.ris", NESTA_RIS.replace("DO  - 10.1000/lib.1", "DO  - not a doi"),
     "record 4 (line 24)", "is not a DOI"),
    ("bad.ris", "Hello\n" + NESTA_RIS, "line 1", "text outside a record"),
    ("bad.bib", BIBTEX + "@article{x, title={Unclosed\n", "line 15", "BibTeX"),
    ("bad.csv", CSV + "Third,,19/92,,,,c3\n", "row 4", "no year"),
    ("bad.csv", CSV.replace("https://example.org/x", "ftp://x"), "row 2",
     "not a web address"),
    ("bad.csv", "name,year\nx,2019\n", "row 1", "unknown column"),
    ("empty.ris", "\n\n", "file", "no records found"),
])
def test_a_bad_file_imports_nothing_and_names_the_place_and_reason(
        tmp_path, review, lead, name, text, where, reason):
    with pytest.raises(ImportFailed) as error:
        _import(review, lead, _file(tmp_path, name, text), "Nesta")
    assert error.value.where == where, error.value
    assert reason in error.value.reason
    assert not Record.objects.exists() and not Search.objects.exists()


def test_a_field_over_its_limit_is_refused(tmp_path, review, lead, monkeypatch):
    monkeypatch.setitem(__import__("coding.records.parsers", fromlist=["x"]).RECORD_FIELD_MAX,
                        "abstract", 10)
    with pytest.raises(ImportFailed) as error:
        _import(review, lead, _file(tmp_path, "nesta.ris", NESTA_RIS), "Nesta")
    assert error.value.where == "record 1 (line 1)" and "too long" in error.value.reason


def test_the_search_needs_a_source_and_a_valid_date(tmp_path, review, lead):
    path = _file(tmp_path, "nesta.ris", NESTA_RIS)
    with pytest.raises(ValidationError) as error:
        _import(review, lead, path, "  ", searched_on="2014-13-01")
    assert set(error.value.message_dict) == {"source", "searched_on"}
    assert not Record.objects.exists()


def test_coders_may_not_import(tmp_path, review, coder_a):
    with pytest.raises(ValidationError):
        _import(review, coder_a, _file(tmp_path, "nesta.ris", NESTA_RIS), "Nesta")
    assert not Record.objects.exists()


def test_the_command_imports_and_dry_runs(tmp_path, review, capsys):
    path = _file(tmp_path, "nesta.ris", NESTA_RIS)
    call_command("import_records", str(path), review="demo", source="Nesta", dry_run=True)
    assert "would import 4 record(s)" in capsys.readouterr().out
    assert not Record.objects.exists()
    call_command("import_records", str(path), review="demo", source="Nesta",
                 date="2014-06-01", query="coproduction")
    assert Record.objects.count() == 4
    with pytest.raises(CommandError, match="Nothing imported.*line 1"):
        call_command("import_records", str(_file(tmp_path, "b.ris", "x\n" + NESTA_RIS)),
                     review="demo", source="Nesta")


def test_normalisers():
    assert doi_normalise(" https://dx.doi.org/10.1000/ABC ") == "10.1000/abc"
    assert doi_normalise("doi: 10.1/X") == "10.1/x"
    assert title_key("Co-producing Care: À Study") == "coproducingcareastudy"
