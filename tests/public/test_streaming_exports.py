"""export.csv / export.json and the command-line exports stream, with the same bytes as
before (tests/public/export_reference.py holds the former implementations)."""

import csv
import io
import json
import random

import orjson
import pytest
from django.http import StreamingHttpResponse

from coding.codings.transfer import codings_export, consensus_export
from coding.models import Case, Disagreement, DisagreementStatus
from coding.reviews.importers import cases_export
from tests import factories
from tests.public import export_reference as reference


@pytest.fixture
def big(review, coder_a, coder_b):
    """A published review of 130 cases (more than one export chunk with chunk_size=50):
    service areas, consensus of every kind, formula-like text, incomplete cases, codings
    of both coders, an open disagreement."""
    review.is_published = True
    review.save()
    rng = random.Random(3)
    areas = [factories.ServiceAreaFactory(name=name) for name in ("Health", "Parks", "Roads")]
    for i in range(130):
        case = factories.CaseFactory(
            review=review, number=str(i + 1), title=f"=HYPERLINK(\"x\") {i}" if i == 5 else
            f"Case “{i}”", country=rng.choice(["UK", "Sweden", "", "Brazil"]),
            year=rng.choice([None, 1999, 2010]), summary="Multi\nline, with \"quotes\"",
        )
        case.service_areas.set(rng.sample(areas, rng.randint(0, 3)))
        if i % 5 == 4:
            continue
        values = {"level": rng.choice(["national", "state", "local"]),
                  "roles": rng.sample(["commissioner", "deliverer", "assessor"],
                                      rng.randint(0, 3)),
                  "topic": "+SUM(A1)" if i == 7 else f"topic {i}",
                  "budget": rng.choice([3, 1200.5]), "agreement": rng.random() < 0.5}
        factories.consensus_for(case=case, values=values, complete=i % 7 != 0,
                                evidence={"level": f"-quote {i}"})
        if i % 3 == 0:
            for coder in (coder_a, coder_b):
                factories.coding_with_values(case=case, coder=coder, values={
                    "level": rng.choice(["national", "local"]), "roles": ["deliverer"],
                    "topic": "@mention", "budget": 4, "agreement": True})
    attribute = review.current_codebook().attributes.get(key="level")
    first = Case.objects.get(review=review, number="2")
    Disagreement.objects.create(case=first, attribute=attribute,
                                coding_a=factories.CodingFactory(case=first, coder=coder_a),
                                coding_b=factories.CodingFactory(case=first, coder=coder_b),
                                status=DisagreementStatus.OPEN)
    return review


@pytest.fixture
def small_chunks(monkeypatch):
    """Every export reads its cases in chunks of 50 (coding.exports.case_chunks)."""
    from coding import exports

    monkeypatch.setattr(exports, "EXPORT_CHUNK", 50)


QUERIES = [{}, {"country": "UK"}, {"roles": "deliverer", "sort": "-year"}, {"q": "zzz"}]


def test_exports_stream_the_same_bytes_as_before(client, rf, big, small_chunks):
    """One fixture for every case (it is costly): both web exports with several filters,
    and the three command-line exports."""
    from django.contrib.auth.models import AnonymousUser

    for params in QUERIES:
        for name, path in (("export_csv", "export.csv"), ("export_json", "export.json")):
            response = client.get(f"/reviews/demo/{path}", params)
            assert response.status_code == 200
            assert isinstance(response, StreamingHttpResponse)
            request = rf.get(f"/reviews/demo/{path}", params)
            request.user = AnonymousUser()
            expected = getattr(reference, name)(request, big)
            if name == "export_json":
                # The same document; since orjson writes it, indented by two spaces, not one.
                body = response.getvalue()
                assert json.loads(body) == json.loads(expected.content), params
                assert body == orjson.dumps(json.loads(body), option=orjson.OPT_INDENT_2)
            else:
                assert response.getvalue() == expected.content, (name, params)
            assert response["Content-Type"] == expected["Content-Type"]
            assert response["Content-Disposition"] == expected["Content-Disposition"]
    for name, ours in (("codings_export", codings_export),
                       ("consensus_export", consensus_export), ("cases_export", cases_export)):
        new, old = io.StringIO(), io.StringIO()
        assert ours(review=big, out=new) == getattr(reference, name)(review=big, out=old)
        if name == "codings_export":
            # Since the reference was taken, the codings CSV ends with five evidence columns
            # (empty here: the fixture has no evidence); the rest is unchanged.
            rows = list(csv.reader(io.StringIO(new.getvalue())))
            assert all(len(row) == 9 for row in rows)
            assert all(row[4:] == [""] * 5 for row in rows[1:])
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(row[:4] for row in rows)
            new = out
        assert new.getvalue() == old.getvalue(), name
        assert new.getvalue().count("\n") > 50, name


def test_csv_export_keeps_formula_escaping(client, big):
    body = client.get("/reviews/demo/export.csv").getvalue().decode()
    assert "'=HYPERLINK" in body
    assert "'-quote" in body


def test_export_reads_cases_in_chunks_not_all_at_once(client, big, small_chunks,
                                                       django_assert_max_num_queries):
    """130 cases in chunks of 50: three chunks of three queries, plus the review, the
    codebook, choices and the cases' cursor."""
    response = client.get("/reviews/demo/export.csv")
    with django_assert_max_num_queries(20):
        body = response.getvalue()
    assert body.count(b"\r\n") > 130


def test_a_json_export_is_one_document_whatever_its_values(client, big):
    """Text with newlines, quotes and non-ASCII, empty and several options, numbers, yes/no
    and incomplete cases: the streamed pieces make the document orjson writes whole."""
    body = client.get("/reviews/demo/export.json").getvalue()
    document = json.loads(body)
    assert document["count"] == len(document["cases"]) == 130
    assert body == orjson.dumps(document, option=orjson.OPT_INDENT_2)
    assert "Case “1”".encode() in body  # UTF-8, not \u escapes
    case = next(c for c in document["cases"] if c["number"] == "2")
    assert case["summary"] == "Multi\nline, with \"quotes\""


def test_a_json_export_of_no_cases_is_still_a_document(client, big):
    body = client.get("/reviews/demo/export.json", {"q": "no such words anywhere"}).getvalue()
    assert json.loads(body)["cases"] == [] and json.loads(body)["count"] == 0


def test_xlsx_export_of_an_unpublished_review_is_not_found_for_readers(client, review):
    """(Here rather than beside the command exports, whose demo review is published and
    shared by that module's tests.)"""
    assert client.get("/reviews/demo/export.xlsx").status_code == 404
