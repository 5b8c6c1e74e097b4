"""export_codings, export_consensus and export_cases read through the exports' chunked tuple
reader and write with the same writers as the gallery's exports (coding.exports): the same
bytes as their former implementation (tests/public/command_export_reference.py), the same
content as the page's export, and .xlsx beside CSV."""

import csv
import io
import random

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from coding.models import Case, Codebook, Disagreement, DisagreementStatus, Document, Role
from tests import factories
from tests.conftest import _member
from tests.module_data import rows_for_module
from tests.public import command_export_reference as reference

QUOTE = "Residents ran the library"


@pytest.fixture
def small_chunks(monkeypatch):
    from coding import exports

    monkeypatch.setattr(exports, "EXPORT_CHUNK", 7)


@pytest.fixture(scope="module")
def _seeded_world(django_db_setup, django_db_blocker):
    """seeded's rows, made once for this module's tests (tests/module_data.py). Hence no test
    here makes the demo review itself: the `review` fixture's slug is taken while this module
    runs."""
    def make():
        review = factories.ReviewFactory(slug="demo", title="Demo review", is_published=False)
        factories.codebook_for(review)
        coder_a = _member(review, "alice", Role.CODER, first_name="Alice")
        coder_b = _member(review, "bob", Role.CODER, first_name="Bob")
        return _seed(review, coder_a, coder_b)

    with rows_for_module(django_db_blocker, make) as review:
        yield review


@pytest.fixture
def seeded(_seeded_world, db):
    return _seeded_world


def _seed(review, coder_a, coder_b):
    """A published review of 40 cases (several chunks of 7) whose ids interleave with another
    review's (coded too): three coders, one with a capital initial; codings under an older
    codebook version and the current one; values of every kind (an empty multiple choice,
    integral, fractional and negative numbers, formula-like text), evidence anchored in
    documents, consensus complete and not, and an open disagreement."""
    review.is_published = True
    review.save()
    other = factories.ReviewFactory(slug="other", title="Other review")
    factories.codebook_for(other)
    zed = factories.UserFactory(username="Zed")
    rng = random.Random(11)
    areas = [factories.ServiceAreaFactory(name=name) for name in ("Roads", "Health", "Parks")]
    cases = []
    for i in range(40):
        case = factories.CaseFactory(
            review=review, number=str(40 - i), country=rng.choice(["UK", "", "Brazil"]),
            year=rng.choice([None, 1999, 2010]),
            title="=HYPERLINK(\"x\")" if i == 3 else f"Case “{i}”",
            summary="Two\nlines, \"quoted\"", source="-source" if i == 5 else "A journal")
        case.service_areas.set(rng.sample(areas, rng.randint(0, 3)))
        cases.append(case)
        elsewhere = factories.CaseFactory(review=other, number=str(i + 1))
        factories.coding_with_values(case=elsewhere, coder=coder_a, values={"level": "state"})
    documents = {}
    for case in cases[:10]:
        documents[case.pk] = Document.objects.create(
            case=case, title="Full text", file=f"documents/{case.number}.pdf",
            filename=f"{case.number}.pdf", content_type="application/pdf", size=10,
            sha256="0" * 64)

    def values(i):
        return {"level": rng.choice(["national", "state", "local"]),
                "roles": rng.sample(["commissioner", "deliverer", "assessor"],
                                    rng.randint(0, 3)),
                "topic": "+SUM(A1)" if i == 2 else rng.choice(["", f"topic {i}"]),
                "budget": rng.choice([3, 1200.5, -2.25, 0]),
                "agreement": rng.random() < 0.5}

    def anchor(case):
        document = documents.get(case.pk)
        if document is None:
            return []
        return [{"document": document.pk, "page": 2, "exact": QUOTE, "start": 4, "end": 29}]

    for i, case in enumerate(cases[:12]):  # under the first codebook
        for coder in (coder_a, zed):
            coding = factories.coding_with_values(
                case=case, coder=coder, values=values(i),
                evidence={"level": QUOTE if i % 2 else "", "budget": "=1+1"})
            coding.values.filter(attribute__key="level").update(evidence_anchors=anchor(case))
    # A second version of the codebook (made for a scratch review, then moved: the factory
    # makes version 1).
    newer = factories.codebook_for(factories.ReviewFactory(slug="scratch"))
    Codebook.objects.filter(pk=newer.pk).update(review=review, version=2)
    newer.refresh_from_db()
    for i, case in enumerate(cases):
        if i % 6 == 5:
            continue
        for coder in (coder_b, coder_a) if i >= 12 else (coder_b,):
            factories.coding_with_values(case=case, coder=coder, values=values(i),
                                         submitted=i % 9 != 0)
        made = factories.consensus_for(case=case, values=values(i), complete=i % 4 != 0,
                                       evidence={"level": f"-quote {i}", "roles": QUOTE})
        for value in made:
            value.evidence_anchors = anchor(case)
            value.save(update_fields=["evidence_anchors"])
    level = newer.attributes.get(key="level")
    case = cases[1]
    Disagreement.objects.create(
        case=case, attribute=level, status=DisagreementStatus.OPEN,
        coding_a=factories.CodingFactory(case=case, coder=factories.UserFactory()),
        coding_b=factories.CodingFactory(case=case, coder=factories.UserFactory()))
    Case.objects.filter(pk=case.pk).update(consensus_complete=False)  # as a service would
    return review


def _command(name, *args) -> str:
    out = io.StringIO()
    call_command(name, "--review", "demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("command", "args", "former"), [
    ("export_codings", [], reference.codings_export),
    ("export_consensus", [], reference.consensus_export),
    ("export_consensus", ["--evidence"], lambda **kw: reference.consensus_export(
        **kw, evidence=True)),
    ("export_cases", [], reference.cases_export),
])
def test_command_exports_write_the_same_bytes_as_their_former_implementation(
        seeded, small_chunks, tmp_path, command, args, former):
    old = io.StringIO()
    count = former(review=seeded, out=old)
    assert count > 20
    assert _command(command, *args) == old.getvalue()
    path = tmp_path / "out.csv"
    err = io.StringIO()
    call_command(command, "--review", "demo", "--output", str(path), *args, stderr=err)
    assert path.read_bytes() == old.getvalue().encode()
    assert err.getvalue().startswith(f"{count} ")


def test_without_documents_no_anchor_is_written_as_before(seeded, small_chunks):
    """The anchors are not read when the review has no document they could name."""
    Document.objects.filter(case__review=seeded).delete()
    for command, args, former in (
            ("export_codings", [], reference.codings_export),
            ("export_consensus", ["--evidence"], lambda **kw: reference.consensus_export(
                **kw, evidence=True))):
        old = io.StringIO()
        former(review=seeded, out=old)
        assert _command(command, *args) == old.getvalue()
        assert QUOTE in old.getvalue() and ".pdf" not in old.getvalue()


def test_codings_export_keeps_evidence_anchors_numbers_and_formula_escaping(seeded):
    rows = list(csv.reader(io.StringIO(_command("export_codings"))))
    assert rows[0][:4] == ["case", "coder", "attribute", "value"]
    coders = {row[1] for row in rows[1:]}
    assert coders == {"alice", "bob", "Zed"}
    assert any(row[2] == "level" and row[5:] == [f"{row[0]}.pdf", "2", "4", "29"]
               for row in rows[1:])
    assert any(row[2] == "budget" and row[3] == "-2.25" for row in rows[1:])
    assert any(row[2] == "budget" and row[4] == "'=1+1" for row in rows[1:])
    assert any(row[2] == "roles" and row[3] == "" for row in rows[1:])  # none chosen
    # Nothing of the other review, whose case ids lie between these.
    numbers = set(Case.objects.filter(review=seeded).values_list("number", flat=True))
    assert {row[0] for row in rows[1:]} <= numbers


def _reader_rows(client, path="/reviews/demo/export.csv", params=None) -> list[dict]:
    body = client.get(path, params or {}).getvalue().decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_command_exports_hold_what_the_page_export_holds_for_the_same_cases(
        client, seeded, small_chunks):
    """export.csv shows a case's public consensus as option labels; export_consensus the
    same values as keys, export_cases the same case details."""
    page = {row["number"]: row for row in _reader_rows(client)}
    consensus = {row["case"]: row for row in csv.DictReader(
        io.StringIO(_command("export_consensus", "--evidence")))}
    cases = {row["number"]: row for row in csv.DictReader(io.StringIO(_command("export_cases")))}
    assert set(page) == set(consensus) == set(cases)
    labels = {"national": "National", "state": "State", "local": "Local",
              "commissioner": "Co-commissioner", "deliverer": "Co-deliverer",
              "assessor": "Co-assessor", "yes": "Yes", "no": "No"}
    compared = 0
    for number, shown in page.items():
        case = cases[number]
        assert [shown[k] for k in ("title", "country", "year", "summary", "source")] == \
            [case[k] for k in ("title", "country", "year", "summary", "source")]
        assert shown["service_areas"].split("; ") == case["service_area"].split(";")
        if not shown["level"]:  # consensus not public (incomplete) or none
            continue
        compared += 1
        for key in ("level", "roles", "agreement", "budget"):
            keys = consensus[number][key]
            expected = "; ".join(labels.get(k, k) for k in keys.split(";")) if keys else ""
            assert shown[key] == expected, (number, key)
            assert shown[f"{key}_evidence"] == consensus[number][f"{key}:evidence"]
    assert compared > 10


def _sheet_rows(data) -> tuple[object, list[list]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A read-only sheet leaves out a row's empty cells at its end.
    return sheet, [row + [None] * (len(rows[0]) - len(row)) for row in rows]


def _as_csv_text(value) -> str:
    if value is None:
        return ""
    return str(value)


@pytest.mark.parametrize("params", [{}, {"country": "UK"}, {"q": "no such words"}])
def test_xlsx_export_holds_the_csv_table_with_numbers_as_numbers(client, seeded, small_chunks,
                                                                 params):
    response = client.get("/reviews/demo/export.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"] == 'attachment; filename="demo-cases.xlsx"'
    sheet, rows = _sheet_rows(b"".join(response.streaming_content))
    assert sheet.title == "cases"
    body = client.get("/reviews/demo/export.csv", params).getvalue().decode()
    expected = list(csv.reader(io.StringIO(body)))
    assert rows[0] == expected[0]
    assert [[_as_csv_text(cell) for cell in row] for row in rows[1:]] == expected[1:]
    years = [row[4] for row in rows[1:] if row[4] is not None]
    assert all(isinstance(year, int) for year in years)
    budgets = [row[expected[0].index("budget")] for row in rows[1:]]
    assert all(b is None or isinstance(b, int | float) for b in budgets)
    if not params:
        assert len(rows) == 41 and years and any(b is not None for b in budgets)


def test_xlsx_cells_that_look_like_formulas_stay_text(client, seeded):
    from openpyxl import load_workbook as load

    data = b"".join(client.get("/reviews/demo/export.xlsx").streaming_content)
    sheet = load(io.BytesIO(data)).worksheets[0]  # not read-only: cell types
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row
             if isinstance(cell.value, str) and cell.value[1:2] in ("=", "+", "-", "@")]
    assert {cell.value for cell in cells} >= {"'=HYPERLINK(\"x\")", "'-source"}
    assert all(cell.data_type == "s" and cell.value.startswith("'") for cell in cells)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(("command", "args", "sheet_name"), [
    ("export_codings", [], "codings"),
    ("export_consensus", ["--evidence"], "consensus"),
    ("export_cases", [], "cases"),
])
def test_commands_write_xlsx_with_the_csv_columns(seeded, small_chunks, tmp_path, command,
                                                  args, sheet_name):
    path = tmp_path / "out.xlsx"
    err = io.StringIO()
    call_command(command, "--review", "demo", "--format", "xlsx", "--output", str(path),
                 *args, stderr=err)
    sheet, rows = _sheet_rows(path.read_bytes())
    assert sheet.title == sheet_name
    expected = list(csv.reader(io.StringIO(_command(command, *args))))
    assert [[_as_csv_text(cell) for cell in row] for row in rows] == expected
    assert err.getvalue().startswith(f"{len(expected) - 1} ")
    numbers = [cell for row in rows[1:] for cell in row if isinstance(cell, int | float)]
    assert numbers  # years, budgets, anchor pages and positions


def test_xlsx_from_a_command_needs_an_output_file(seeded):
    with pytest.raises(CommandError, match="--output"):
        _command("export_codings", "--format", "xlsx")


def test_xlsx_export_reads_cases_in_chunks(client, seeded, small_chunks,
                                           django_assert_max_num_queries):
    """40 cases in chunks of 7: six chunks of three queries, plus the review, the codebook,
    the choices, the count and the cases' cursor."""
    with django_assert_max_num_queries(30):
        response = client.get("/reviews/demo/export.xlsx")
    assert response.status_code == 200


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+SUM(A1)", "'+SUM(A1)"), ("-x", "'-x"),
    ("@me", "'@me"), ("\tx", "'\tx"), ("-3.5", "-3.5"), ("plain", "plain"),
    ("a\x00b\x1fc", "abc"), ("", None), (None, None), (3, 3), (-2.5, -2.5), (True, "True"),
])
def test_xlsx_cells_are_escaped_as_csv_cells_are(value, cell):
    from coding.exports import xlsx_cell

    assert xlsx_cell(value) == cell
