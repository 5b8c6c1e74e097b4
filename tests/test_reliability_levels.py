"""Level of measurement per attribute: the codebook YAML, import validation, export/import
round trip, the API's codebook, and the reliability page, API and command showing it."""

import io
import json
import textwrap

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from coding.models import Attribute, Review
from coding.reliability.services import reliability_changed, reliability_snapshot_request
from tests import factories

CODEBOOK = textwrap.dedent("""
    title: Levels
    sections:
      - title: Scales
        attributes:
          - key: intensity
            label: Intensity
            kind: single
            level: ordinal
            options: [{key: low, label: Low}, {key: medium, label: Medium},
                      {key: high, label: High}]
          - key: year
            label: Year
            kind: number
          - key: budget
            label: Budget
            kind: number
            level: ratio
          - key: kind
            label: Kind
            kind: single
            options: [{key: a, label: A}, {key: b, label: B}]
          - key: note
            label: Note
            kind: text
""")


def _import(tmp_path, text, slug="levels"):
    path = tmp_path / "codebook.yaml"
    path.write_text(text)
    call_command("import_codebook", str(path), review=slug, stdout=io.StringIO())
    return Review.objects.get(slug=slug)


def test_levels_are_read_with_defaults_by_kind(db, tmp_path):
    review = _import(tmp_path, CODEBOOK)
    levels = dict(review.current_codebook().attributes.values_list("key", "level"))
    assert levels == {"intensity": "ordinal", "year": "interval", "budget": "ratio",
                      "kind": "nominal", "note": ""}


@pytest.mark.parametrize("kind, level, extra", [
    ("single", "interval", "options: [{key: a, label: A}]"),
    ("multi", "ordinal", "options: [{key: a, label: A}]"),
    ("boolean", "ratio", ""),
    ("number", "fuzzy", ""),
    ("text", "nominal", ""),
])
def test_import_refuses_a_level_that_does_not_fit_and_names_the_attribute(
    db, tmp_path, kind, level, extra
):
    text = textwrap.dedent(f"""
        title: Bad
        sections:
          - title: S
            attributes:
              - key: wrong_one
                label: Wrong
                kind: {kind}
                level: {level}
                {extra}
    """)
    with pytest.raises(CommandError) as error:
        _import(tmp_path, text, slug="bad")
    message = str(error.value)
    assert message.startswith("Nothing imported.") and "(wrong_one)" in message
    assert "level" in message
    assert not Review.objects.filter(slug="bad").exists()


def test_export_codebook_round_trips_levels(db, tmp_path):
    _import(tmp_path, CODEBOOK)
    out = io.StringIO()
    call_command("export_codebook", review="levels", stdout=out)
    exported = yaml.safe_load(out.getvalue())
    attributes = {a["key"]: a for a in exported["sections"][0]["attributes"]}
    assert attributes["intensity"]["level"] == "ordinal"
    assert attributes["budget"]["level"] == "ratio"
    assert "level" not in attributes["note"]
    (tmp_path / "again.yaml").write_text(out.getvalue())
    call_command("import_codebook", str(tmp_path / "again.yaml"), review="copy",
                 stdout=io.StringIO())
    copy = Review.objects.get(slug="copy").current_codebook()
    assert dict(copy.attributes.values_list("key", "level")) == dict(
        Review.objects.get(slug="levels").current_codebook().attributes.values_list(
            "key", "level"))
    # Importing the export into the same review changes nothing.
    result = io.StringIO()
    call_command("import_codebook", str(tmp_path / "again.yaml"), review="levels", stdout=result)
    assert "unchanged" in result.getvalue()


def test_api_codebook_shows_levels(db, tmp_path):
    review = _import(tmp_path, CODEBOOK)
    review.is_published = True
    review.save()
    body = APIClient().get("/api/reviews/levels/codebook/").json()
    levels = {a["key"]: a["level"] for s in body["sections"] for a in s["attributes"]}
    assert levels["intensity"] == "ordinal" and levels["year"] == "interval"


def test_bundled_help_texts_carry_no_published_counts(coproduction):
    helps = " ".join(Attribute.objects.filter(codebook__review=coproduction)
                     .values_list("help_text", flat=True))
    for count in ("43 local", "54 of the 56", "25 of 52"):
        assert count not in helps
        assert count in coproduction.description


def _coded_review(review, coder_a, coder_b, n=12):
    """Two coders on `n` cases: agree on level except twice; budget off by one on half."""
    for number in range(1, n + 1):
        case = factories.CaseFactory(review=review, number=str(number))
        level_b = "local" if number % 6 else "state"
        factories.coding_with_values(case=case, coder=coder_a, values={
            "level": "local", "budget": 2000 + number, "agreement": number % 4 == 0,
            "roles": ["deliverer"]})
        factories.coding_with_values(case=case, coder=coder_b, values={
            "level": level_b, "budget": 2000 + number + number % 2, "agreement": number % 4 == 0,
            "roles": ["deliverer", "assessor"] if number % 3 == 0 else ["deliverer"]})


def test_number_attributes_use_the_interval_metric(review, coder_a, coder_b):
    _coded_review(review, coder_a, coder_b, n=40)  # 40 cases or more: an interval
    out = io.StringIO()
    call_command("reliability", review="demo", format="json", stdout=out)
    rows = json.loads(out.getvalue())
    budget = next(r for r in rows if r["attribute"] == "budget")
    assert budget["level"] == "interval"
    # Off by one on half the cases: hardly any disagreement on the interval metric, while
    # as categories only half the cases would agree.
    assert budget["percent_agreement"] == 0.5
    assert budget["krippendorff_alpha"] > 0.95
    assert budget["gwet_ac2"] is not None
    assert budget["alpha_ci_low"] is not None and budget["resamples"] == 1000
    agreement = next(r for r in rows if r["attribute"] == "agreement")
    assert {"pabak", "prevalence_index", "bias_index"} <= set(agreement)


def test_page_and_api_show_the_new_figures_and_warnings(client, review, coder_a, coder_b, lead):
    _coded_review(review, coder_a, coder_b, n=6)  # fewer than 40 cases: warnings
    factories.reliability_computed(review)
    client.force_login(lead)
    html = client.get(reverse("coding:reliability", args=["demo"])).content.decode()
    for heading in ("Fleiss’ κ", "Conger’s κ", "Gwet’s AC2", "PABAK", "Prevalence index",
                    "Bias index", "Level"):
        assert heading in html
    assert "no interval below 40" in html and 'id="note-1"' in html
    api = APIClient()
    api.force_authenticate(lead)
    body = api.get("/api/reviews/demo/reliability/").json()
    level = next(r for r in body["rows"] if r["attribute"] == "level")
    assert level["fleiss_kappa"] is not None and level["alpha_ci_low"] is None
    assert level["warnings"] and level["resamples"] == 0
    option = next(r for r in body["rows"] if r["option"] == "assessor")
    assert option["pabak"] == pytest.approx(2 * option["percent_agreement"] - 1)
    csv_text = client.get(reverse("coding:reliability_csv", args=["demo"])).content.decode()
    header = csv_text.splitlines()[0].split(",")
    assert header[:4] == ["attribute", "option", "units", "coders"]
    assert "fleiss_kappa" in header and "warnings" in header


def test_changing_a_level_makes_a_new_snapshot(review, coder_a, coder_b):
    _coded_review(review, coder_a, coder_b)
    first = factories.reliability_computed(review)
    before = next(r for r in first.report["rows"] if r["attribute"] == "budget")
    # Behind every service's back (as in a shell): nothing notices until someone says so,
    # as every service and the admin do with reliability_changed.
    Attribute.objects.filter(codebook__review=review, key="budget").update(level="nominal")
    assert reliability_snapshot_request(review=review).pk == first.pk
    reliability_changed(review=review)
    second = factories.reliability_computed(review)
    after = next(r for r in second.report["rows"] if r["attribute"] == "budget")
    assert second.pk != first.pk
    assert (before["level"], after["level"]) == ("interval", "nominal")
    assert after["krippendorff_alpha"] < before["krippendorff_alpha"]
