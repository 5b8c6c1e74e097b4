"""Issue 21, item 4: the reliability table (CSV, Markdown, Word) and the methods text, from the
latest snapshot, for leads only."""

import csv
import io

import docx
import pytest
from django.urls import reverse

from coding.reviews.services import review_set_resolution_mode
from tests import factories


@pytest.fixture
def coded(review, coder_a, coder_b):
    """40 cases coded by alice and bob: level agrees except on every sixth case."""
    for number in range(1, 41):
        case = factories.CaseFactory(review=review, number=str(number))
        factories.coding_with_values(case=case, coder=coder_a, values={
            "level": "local" if number % 3 else "state", "budget": number,
            "agreement": number % 4 == 0, "roles": ["deliverer"]})
        factories.coding_with_values(case=case, coder=coder_b, values={
            "level": ("local" if number % 3 else "state") if number % 6 else "national",
            "budget": number, "agreement": number % 4 == 0, "roles": ["deliverer"]})
    factories.CaseFactory(review=review, number="41")  # not coded: outside the sample
    return factories.reliability_computed(review)


def _get(client, review, ext):
    return client.get(reverse("coding:reliability_table", args=[review.slug, ext]))


def test_csv_table_has_one_row_per_variable_with_the_snapshot_figures(client, review, lead,
                                                                       coded):
    client.force_login(lead)
    response = _get(client, review, "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-reliability-table.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_name = {r["Variable"]: r for r in rows}
    level = by_name["Level"]
    snapshot_row = next(r for r in coded.report["rows"] if r["attribute"] == "level")
    assert level["Estimate"] == f"{snapshot_row['krippendorff_alpha']:.3f}"
    assert level["Cases"] == "40" and level["Coders"] == "2"
    assert level["95% CI low"] == f"{snapshot_row['alpha_ci_low']:.2f}"
    assert level["Disagreements settled by"] == "an adjudicator"
    assert level["Percent agreement"] == f"{34 / 40:.3f}"  # cases 6, 12, ..., 36 differ
    assert level["Verdict"] in {"reliable", "tentative", "unreliable"}
    assert "BCa" in level["Interval"] and "q (alpha < 0.667)" in rows[0]
    # An option every coder chose on every case: not estimable, no interval, no verdict.
    deliverer = by_name["Role of citizens: Co-deliverer"]
    assert deliverer["Estimate"] == "not estimable" and deliverer["95% CI low"] == ""
    assert deliverer["Verdict"] == "not estimable"


def test_markdown_and_word_tables_parse_with_the_same_rows(client, review, lead, coded):
    client.force_login(lead)
    csv_rows = list(csv.reader(io.StringIO(_get(client, review, "csv").content.decode())))
    markdown = _get(client, review, "md").content.decode()
    table_lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    md_rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table_lines]
    assert md_rows == [[c.strip() for c in row] for row in csv_rows]
    response = _get(client, review, "docx")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    document = docx.Document(io.BytesIO(response.content))
    table = document.tables[0]
    assert [[cell.text for cell in row.cells] for row in table.rows] == csv_rows
    assert document.paragraphs[0].text == "Inter-coder reliability: Demo review"


def test_methods_text_names_the_counts_the_mode_and_the_sample(client, review, lead, coded):
    client.force_login(lead)
    url = reverse("coding:reliability", args=[review.slug])
    html = client.get(url).content.decode()
    assert 'id="methods-text"' in html and 'id="methods-copy"' in html
    assert "2 coders coded the cases" in html
    assert "independently by 2 of them" in html
    assert "(40 of 41 cases)" in html
    assert "Disagreements were settled by an adjudicator." in html
    assert "No calibration round was recorded" in html
    assert "coproduction-coding" in html
    # Interval ends to 2 decimals (1,000 resamples do not fix a third), the estimate to 3.
    level = next(r for r in coded.report["rows"] if r["attribute"] == "level")
    assert f"{level['alpha_ci_low']:.2f} to {level['alpha_ci_high']:.2f}" in html
    assert f"{level['krippendorff_alpha']:.3f}" in html
    review_set_resolution_mode(review=review, actor=lead, mode="discussion")
    html = client.get(url).content.decode()
    assert "Disagreements were settled by discussion between the two coders" in html


@pytest.mark.parametrize("ext", ["csv", "md", "docx"])
def test_non_leads_get_404_for_every_format(client, review, coder_a, outsider, coded, ext):
    for user in (coder_a, outsider):
        client.force_login(user)
        assert _get(client, review, ext).status_code == 404


def test_an_unknown_format_is_404_and_no_snapshot_is_503(client, review, lead):
    client.force_login(lead)
    assert _get(client, review, "pdf").status_code == 404
    response = _get(client, review, "csv")
    assert response.status_code == 503 and response["Retry-After"] == "5"
