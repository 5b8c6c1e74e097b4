"""The Import page's sample files: made from the review's own codebook and cases, for leads
only, and each imports into the review it came from without an error."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coding.codings.transfer import codings_import
from coding.models import Case, Coding, CodingStatus
from coding.reviews.importers import cases_import, codebook_import
from tests import factories

NAMES = ["codebook.yaml", "cases.csv", "cases.xlsx", "codings.csv", "codings.xlsx"]


def _sample(client, name, slug="demo"):
    return client.get(reverse("coding:import_sample", args=[slug, name]))


@pytest.fixture
def cases(review):
    area = factories.ServiceAreaFactory(name="Health")
    first = factories.CaseFactory(review=review, number="2", title="=Starts like a formula",
                                  country="Kenya", region="Africa", year=2019,
                                  summary="Line one\nline two")
    first.service_areas.add(area)
    factories.CaseFactory(review=review, number="10", title="Second", year=None)
    factories.CaseFactory(review=review, number="11", title="Third")
    return review


def test_a_lead_downloads_each_sample_as_an_attachment_others_get_404(
        client, cases, lead, coder_a, outsider):
    client.force_login(lead)
    for name in NAMES:
        response = _sample(client, name)
        assert response.status_code == 200, name
        assert response["Content-Disposition"] == f'attachment; filename="demo-sample-{name}"'
    assert _sample(client, "cases.exe").status_code == 404
    for user in (coder_a, outsider):
        client.force_login(user)
        assert [_sample(client, name).status_code for name in NAMES] == [404] * len(NAMES)


def test_the_cases_samples_hold_the_header_and_the_reviews_first_two_cases(client, cases, lead):
    client.force_login(lead)
    text = _sample(client, "cases.csv").content.decode()
    lines = text.splitlines()
    assert lines[0] == "number,title,country,year,service_area,summary,source"
    assert lines[1].startswith("2,'=Starts like a formula,Kenya,2019,Health;")
    sheet = load_workbook(io.BytesIO(_sample(client, "cases.xlsx").content)).active
    assert sheet.title == "cases"
    rows = list(sheet.values)
    assert rows[1][:4] == ("2", "=Starts like a formula", "Kenya", 2019)
    assert [row[0] for row in rows[1:]] == ["2", "10"]


@pytest.mark.parametrize("name", ["cases.csv", "cases.xlsx"])
def test_a_downloaded_cases_sample_imports_again_changing_nothing(
        client, cases, lead, tmp_path, name):
    client.force_login(lead)
    path = tmp_path / name
    path.write_bytes(_sample(client, name).content)
    result = cases_import(path=path, review_slug="demo")
    assert (result.created, result.updated, result.unchanged, result.changes) == (0, 0, 2, [])


@pytest.mark.parametrize("name", ["cases.csv", "cases.xlsx"])
def test_a_review_without_cases_gets_example_cases_that_import(client, review, lead, tmp_path,
                                                               name):
    client.force_login(lead)
    path = tmp_path / name
    path.write_bytes(_sample(client, name).content)
    assert cases_import(path=path, review_slug="demo").created == 2
    assert Case.objects.get(review=review, number="2").service_areas.count() == 2


def test_the_codebook_sample_imports_again_unchanged(client, review, lead, tmp_path):
    client.force_login(lead)
    path = tmp_path / "codebook.yaml"
    path.write_bytes(_sample(client, "codebook.yaml").content)
    assert "key: roles" in path.read_text()
    assert codebook_import(path=path, review_slug="demo").outcome == "unchanged"


def test_a_review_without_a_codebook_gets_an_example_codebook_that_imports(
        client, db, tmp_path):
    empty = factories.ReviewFactory(slug="empty")
    lead = factories.UserFactory(username="newlead")
    factories.MembershipFactory(review=empty, user=lead, role="lead")
    client.force_login(lead)
    path = tmp_path / "codebook.yaml"
    path.write_bytes(_sample(client, "codebook.yaml", slug="empty").content)
    assert codebook_import(path=path, review_slug="empty").outcome == "created"


@pytest.mark.parametrize("name", ["codings.csv", "codings.xlsx"])
def test_a_downloaded_codings_sample_imports_a_valid_coding_of_every_attribute(
        client, cases, lead, coder_a, coder_b, tmp_path, name):
    first = Case.objects.get(review=cases, number="2")
    factories.AssignmentFactory(case=first, coder=coder_a)
    client.force_login(lead)
    path = tmp_path / name
    path.write_bytes(_sample(client, name).content)
    result = codings_import(path=path, review_slug="demo", actor=lead)
    assert (result.rows, result.created) == (5, 1)  # one row per attribute
    # The first coder by username, on the first case nobody is assigned to yet.
    coding = Coding.objects.get()
    assert (coding.coder, coding.case.number, coding.status) == (
        coder_a, "10", CodingStatus.SUBMITTED)
    values = {v.attribute.key: v for v in coding.values.prefetch_related("options")}
    assert [o.key for o in values["roles"].options.all()] == ["commissioner", "deliverer"]
    assert (values["budget"].number, values["agreement"].boolean) == (1.0, True)


def test_samples_take_a_fixed_number_of_queries(client, cases, lead, coder_a,
                                                django_assert_max_num_queries):
    factories.CaseFactory.create_batch(30, review=cases)
    client.force_login(lead)
    for name in NAMES:
        with django_assert_max_num_queries(16):
            assert _sample(client, name).status_code == 200
