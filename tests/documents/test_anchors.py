"""Anchored evidence: where each evidence quote is in the case's documents (W3C Web
Annotation TextQuoteSelector and TextPositionSelector), checked, stored with the coded value,
kept while its quote is in the evidence, and carried into the consensus."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from coding.adjudication.services import AGREE, values_compare
from coding.assignments.services import cases_assign
from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.documents.services import document_upload
from coding.models import CodedValue, ConsensusValue
from coding.values import anchors_check, anchors_kept
from tests.documents.pdfs import minimal_pdf

QUOTE = "Residents ran the library"


def _anchor(document_id, **changes):
    return {"document": document_id, "page": 1, "exact": QUOTE, "prefix": "",
            "suffix": " on Saturdays.", "start": 0, "end": len(QUOTE), **changes}


def test_anchors_check_keeps_anchors_of_quotes_in_the_evidence():
    anchors = anchors_check(json.dumps([_anchor(7)]), evidence=f"{QUOTE}\non Saturdays",
                            document_ids={7}, label="Level")
    assert anchors == [_anchor(7)]
    # The coder edited the quote away: its anchor goes, silently.
    assert anchors_check([_anchor(7)], evidence="Something else", document_ids={7},
                         label="Level") == []
    # Line breaks and spacing do not matter.
    assert anchors_check([_anchor(7, exact="Residents  ran\nthe library")], evidence=QUOTE,
                         document_ids={7}, label="Level")


@pytest.mark.parametrize(("raw", "message"), [
    ("not json", "not valid JSON"),
    ({"document": 7}, "must be a list"),
    ([{"document": 7}], "needs 'document' and 'exact'"),
    ([{**_anchor(7), "colour": "red"}], "takes only"),
    ([_anchor(8)], "not one of this case's"),
    ([_anchor(7, page=0)], "pages from 1"),
    ([_anchor(7, start=-1)], "whole numbers"),
    ([_anchor(7, start=9, end=3)], "end comes before its start"),
    ([_anchor(7)] * 21, "at most 20"),
])
def test_anchors_check_refuses_malformed_anchors(raw, message):
    with pytest.raises(ValidationError, match=message):
        anchors_check(raw, evidence=QUOTE, document_ids={7}, label="Level")


def test_anchors_kept_drops_anchors_whose_quote_is_gone():
    assert anchors_kept([_anchor(7)], QUOTE + " (p. 2)") == [_anchor(7)]
    assert anchors_kept([_anchor(7)], "rewritten") == []


@pytest.fixture
def setting(case, review, coder_a, coder_b, lead):
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead, cases=[case])
    document = document_upload(case=case, actor=lead, title="Full text",
                               file=ContentFile(minimal_pdf([QUOTE + " on Saturdays."]),
                                                name="12.pdf"))
    return case, document


def test_a_draft_stores_anchors_and_keeps_them_while_the_quote_stays(setting, coder_a):
    case, document = setting
    coding = coding_start(case=case, user=coder_a)
    coding = coding_save_draft(coding=coding, user=coder_a, expected_version=0, values={
        "level": {"value": "local", "evidence": QUOTE, "anchors": [_anchor(document.pk)]}})
    value = CodedValue.objects.get(coding=coding, attribute__key="level")
    assert value.evidence_anchors == [_anchor(document.pk)]
    # A save without "anchors" (an API client that knows nothing of them) keeps them.
    coding = coding_save_draft(coding=coding, user=coder_a, expected_version=coding.version,
                               values={"level": {"value": "local", "evidence": QUOTE + "."}})
    value.refresh_from_db()
    assert value.evidence_anchors == [_anchor(document.pk)]
    # Editing the quote away drops its anchor.
    coding_save_draft(coding=coding, user=coder_a, expected_version=coding.version,
                      values={"level": {"value": "local", "evidence": "p. 4"}})
    value.refresh_from_db()
    assert value.evidence_anchors == []


def test_an_anchor_to_another_cases_document_is_refused(setting, coder_a, review, lead):
    from tests import factories

    case, _ = setting
    other = document_upload(case=factories.CaseFactory(review=review, number="13"), actor=lead,
                            file=ContentFile(minimal_pdf(["Other."]), name="13.pdf"))
    coding = coding_start(case=case, user=coder_a)
    with pytest.raises(ValidationError, match="not one of this case's"):
        coding_save_draft(coding=coding, user=coder_a, expected_version=0, values={
            "level": {"value": "local", "evidence": QUOTE, "anchors": [_anchor(other.pk)]}})


def test_agreed_consensus_carries_both_coders_anchors_once(setting, coder_a, coder_b):
    case, document = setting
    second = _anchor(document.pk, exact="the library", start=14, end=25)
    for coder, anchors in ((coder_a, [_anchor(document.pk)]),
                           (coder_b, [_anchor(document.pk), second])):
        coding = coding_start(case=case, user=coder)
        coding = coding_save_draft(coding=coding, user=coder, expected_version=0, values={
            "level": {"value": "local", "evidence": QUOTE, "anchors": anchors},
            "roles": {"value": ["deliverer"]}})
        coding_submit(coding=coding, expected_version=coding.version, user=coder)
    consensus = ConsensusValue.objects.get(case=case, attribute__key="level")
    assert consensus.evidence_anchors == [_anchor(document.pk), second]


def test_values_compare_joins_anchors_of_agreed_values(review):
    class Stored:
        def __init__(self, anchors):
            self.evidence, self.evidence_anchors = QUOTE, anchors

    level = review.current_codebook().attributes.get(key="level")
    result = values_compare(level, Stored([_anchor(1)]), Stored([_anchor(1), _anchor(2)]),
                            "local", "local")
    assert result.outcome == AGREE
    assert list(result.anchors) == [_anchor(1), _anchor(2)]


def test_the_api_takes_and_returns_anchors_of_the_callers_coding(setting, coder_a):
    from rest_framework.test import APIClient

    case, document = setting
    client = APIClient()
    client.force_authenticate(coder_a)
    url = f"/api/reviews/demo/codings/{case.number}/"
    response = client.put(url, {"version": 0, "values": [
        {"attribute": "level", "value": "local", "evidence": QUOTE,
         "anchors": [_anchor(document.pk)]}]}, format="json")
    assert response.status_code == 200, response.json()
    [level] = [v for v in response.json()["values"] if v["attribute"] == "level"]
    assert level["evidence_anchors"] == [_anchor(document.pk)]
    refused = client.put(url, {"version": 1, "values": [
        {"attribute": "level", "value": "local", "evidence": QUOTE,
         "anchors": [_anchor(document.pk + 100)]}]}, format="json")
    assert refused.status_code == 400
    assert "not one of this case's" in refused.json()["detail"]


def _csv(tmp_path, rows, name="codings.csv"):
    import csv

    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    return path


HEADER = ["case", "coder", "attribute", "value", "evidence", "evidence_document",
          "evidence_page", "evidence_start", "evidence_end"]


def test_export_codings_writes_evidence_and_its_anchor_and_import_reads_them(
        setting, coder_a, coder_b, review, tmp_path):
    import io

    from coding.codings.transfer import codings_export, codings_import

    case, document = setting
    for coder in (coder_a, coder_b):
        coding = coding_start(case=case, user=coder)
        coding = coding_save_draft(coding=coding, user=coder, expected_version=0, values={
            "level": {"value": "local", "evidence": QUOTE, "anchors": [_anchor(document.pk)]},
            "roles": {"value": ["deliverer"], "evidence": "pasted, no anchor"}})
        coding_submit(coding=coding, expected_version=coding.version, user=coder)
    out = io.StringIO()
    codings_export(review=review, out=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(HEADER)
    assert f"12,alice,level,local,{QUOTE},12.pdf,1,0,{len(QUOTE)}" in lines
    assert "12,alice,roles,deliverer,\"pasted, no anchor\",,,," in lines

    # The same file read back changes nothing; an edited anchor is an update.
    path = tmp_path / "codings.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert codings_import(path=path, review_slug="demo").unchanged == 2
    path.write_text(out.getvalue().replace(f"12.pdf,1,0,{len(QUOTE)}", "12.pdf,1,2,9"),
                    encoding="utf-8")
    result = codings_import(path=path, review_slug="demo")
    assert (result.updated, result.unchanged) == (2, 0)
    value = CodedValue.objects.get(coding__coder=coder_a, attribute__key="level")
    assert value.evidence == QUOTE
    assert [(a["document"], a["page"], a["start"], a["end"]) for a in value.evidence_anchors] \
        == [(document.pk, 1, 2, 9)]


@pytest.mark.parametrize(("cells", "message"), [
    (["x", "", "", "", ""], "evidence for 'agreement' without a value"),
    ([QUOTE, "nope.pdf", "1", "", ""], "case 12 has no document 'nope.pdf'"),
    ([QUOTE, "12.pdf", "0", "", ""], "pages from 1"),
    ([QUOTE, "12.pdf", "one", "", ""], "evidence_page must be a whole number"),
    ([QUOTE, "", "3", "", ""], "need evidence_document"),
])
def test_import_codings_refuses_bad_evidence_columns_naming_the_row(setting, tmp_path, cells,
                                                                    message):
    from coding.codings.transfer import codings_import
    from coding.fileio import ImportFailed

    value = "" if message.startswith("evidence for") else "local"
    attribute = "agreement" if message.startswith("evidence for") else "level"
    path = _csv(tmp_path, [HEADER, ["12", "alice", "roles", "deliverer", "", "", "", "", ""],
                           ["12", "alice", attribute, value, *cells]])
    with pytest.raises(ImportFailed, match=message) as refused:
        codings_import(path=path, review_slug="demo")
    assert refused.value.where == "row 3"
    assert not CodedValue.objects.exists()


def test_export_consensus_with_evidence_adds_each_attributes_evidence_and_anchor(
        setting, coder_a, coder_b, review):
    import csv
    import io

    from django.core.management import call_command

    case, document = setting
    for coder in (coder_a, coder_b):
        coding = coding_start(case=case, user=coder)
        coding = coding_save_draft(coding=coding, user=coder, expected_version=0, values={
            "level": {"value": "local", "evidence": QUOTE, "anchors": [_anchor(document.pk)]},
            "roles": {"value": ["deliverer"]}})
        coding_submit(coding=coding, expected_version=coding.version, user=coder)
    plain, full = io.StringIO(), io.StringIO()
    call_command("export_consensus", review="demo", stdout=plain)
    call_command("export_consensus", "--evidence", review="demo", stdout=full)
    assert plain.getvalue().splitlines()[0] == "case,level,budget,roles,agreement"
    header, row = list(csv.reader(io.StringIO(full.getvalue())))[:2]
    assert header[:7] == ["case", "level", "level:evidence", "level:evidence_document",
                          "level:evidence_page", "level:evidence_start", "level:evidence_end"]
    assert len(header) == 1 + 4 * 6
    cells = dict(zip(header, row, strict=True))
    assert (cells["level"], cells["level:evidence"], cells["level:evidence_document"],
            cells["level:evidence_page"], cells["level:evidence_end"]) == (
        "local", QUOTE, "12.pdf", "1", str(len(QUOTE)))
    assert (cells["roles"], cells["roles:evidence"], cells["roles:evidence_document"]) == (
        "deliverer", "", "")
    assert cells["budget"] == cells["budget:evidence"] == ""
