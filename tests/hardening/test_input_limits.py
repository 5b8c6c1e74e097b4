"""NUL and other control characters are refused with 400 and a message in every address,
query parameter, form field and API field; text has documented maximum lengths, with the
same message in the page and the API. (PostgreSQL answered NULs with server errors; run
this file with DATABASE_URL set to PostgreSQL to check there.)"""

import html
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.models import Assignment, Case, Coding
from tests import factories

TWO_MB = "x" * 2_000_000


@pytest.fixture
def case(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review, number="1")
    Assignment.objects.create(case=case, coder=coder_a)
    Assignment.objects.create(case=case, coder=coder_b)
    return case


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize("url", [
    "/reviews/demo/cases/%00/",
    "/reviews/demo/cases/1%01/",
    "/reviews/demo/?country=%00",
    "/reviews/demo/dashboard/?year=1%1b",
    "/reviews/demo/export.csv?q=%00",
])
def test_control_characters_in_addresses_and_queries_are_refused_on_pages(client, case, lead,
                                                                           url):
    client.force_login(lead)

    response = client.get(url)

    assert response.status_code == 400
    assert "contains a control character (U+00" in response.content.decode()


@pytest.mark.parametrize("url", [
    "/api/reviews/demo/consensus/?case=%00",
    "/api/reviews/demo/consensus/?attribute=%00",
    "/api/reviews/demo/cases/%00/",
    "/api/reviews/demo/cases/?q=a%00b",
    "/api/reviews/demo/codings/%00/",
])
def test_control_characters_in_api_addresses_and_queries_are_refused(case, lead, url):
    response = _api(lead).get(url)

    assert response.status_code == 400
    body = response.json()
    assert "contains a control character (U+0000" in body["detail"]
    assert body["errors"] == [body["detail"]]


@pytest.mark.parametrize("entry, field", [
    ({"attribute": "topic", "value": "a\u0000b"}, "values[0].value"),
    ({"attribute": "topic", "value": "ok", "evidence": "quote\u0001"}, "values[0].evidence"),
    ({"attribute": "level\u0000", "value": "local"}, "values[0].attribute"),
    ({"attribute": "roles", "value": ["deliverer", "\u0000"]}, "values[0].value[1]"),
])
def test_control_characters_in_api_fields_are_refused_by_name(case, coder_a, entry, field):
    response = _api(coder_a).put("/api/reviews/demo/codings/1/",
                                 {"version": 0, "values": [entry]}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"Field {field!r} contains a control character")
    assert not Coding.objects.filter(values__isnull=False).exists()


def test_control_characters_in_form_fields_are_refused(client, case, coder_a):
    client.force_login(coder_a)
    url = reverse("coding:coding_save", args=["demo", "1"])

    response = client.post(url, {"version": 0, "topic": "a\x00b"})

    assert response.status_code == 400
    assert "The form field 'topic' contains a control character (U+0000" in html.unescape(
        response.content.decode())
    assert not Coding.objects.filter(values__isnull=False).exists()


def test_a_two_megabyte_text_value_is_refused_in_the_api(case, coder_a):
    response = _api(coder_a).put("/api/reviews/demo/codings/1/", {"version": 0, "values": [
        {"attribute": "topic", "value": TWO_MB}]}, format="json")

    assert response.status_code == 400
    limit = settings.INPUT_MAX_LENGTHS["text"]
    assert response.json()["detail"] == (
        f"Main topic: too long (2,000,000 characters; at most {limit:,})."
    )
    assert not Coding.objects.filter(values__isnull=False).exists()


@pytest.mark.parametrize("field, api_entry, label, limit", [
    ("topic", {"value": "y" * 61}, "Main topic", "text"),
    ("level__evidence", {"value": "local", "evidence": "y" * 61},
     "Level (evidence quote)", "evidence"),
    ("level__note", {"value": "local", "note": "y" * 61}, "Level (note)", "note"),
])
def test_page_and_api_give_the_same_message_for_too_long_text(client, case, coder_a, settings,
                                                              field, api_entry, label, limit):
    settings.INPUT_MAX_LENGTHS = {**settings.INPUT_MAX_LENGTHS, limit: 60}
    expected = f"{label}: too long (61 characters; at most 60)."
    attribute = field.split("__")[0]
    api = _api(coder_a).put("/api/reviews/demo/codings/1/", {"version": 0, "values": [
        {"attribute": attribute, **api_entry}]}, format="json")
    client.force_login(coder_a)
    url = reverse("coding:coding_save", args=["demo", "1"])

    page = client.post(url, {"version": 0, field: "y" * 61}, HTTP_ACCEPT="application/json")

    assert api.status_code == 400 and api.json()["detail"] == expected
    assert page.status_code == 400 and page.json()["errors"] == [expected]
    form = client.get(reverse("coding:coding_form", args=["demo", "1"])).content.decode()
    assert f'name="{field}" cols="40" rows' in form and 'maxlength="60"' in form
    assert not Coding.objects.filter(values__isnull=False).exists()


def test_text_at_the_limit_is_saved(case, coder_a, settings):
    settings.INPUT_MAX_LENGTHS = {**settings.INPUT_MAX_LENGTHS, "text": 60}
    response = _api(coder_a).put("/api/reviews/demo/codings/1/", {"version": 0, "values": [
        {"attribute": "topic", "value": "y" * 60}]}, format="json")
    assert response.status_code == 200


# --- importers ------------------------------------------------------------------------

HEADER = "number,title,country,year,service_area,summary,source\n"


@pytest.mark.parametrize("row, reason", [
    ("2,A\x00B,UK,2001,,,\n", "'title' contains a control character (U+0000 at character 2)"),
    ("2,A,UK,2001,,,\x07\n", "'source' contains a control character (U+0007"),
    (f"2,{'t' * 501},UK,2001,,,\n", "'title' too long (501 characters; at most 500)"),
    (f"2,A,{'c' * 101},2001,,,\n", "'country' too long (101 characters; at most 100)"),
    (f"2,A,UK,2001,,{'s' * 20_001},\n", "'summary' too long (20,001 characters; at most"),
    (f"2,A,UK,2001,{'a' * 101},,\n", f"service area {'a' * 40!r}... is longer than 100"),
])
def test_case_fields_are_checked_with_the_same_limits(review, tmp_path, row, reason):
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "1,Good,UK,2001,,,\n" + row)

    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(path), review="demo", stdout=io.StringIO())

    assert f"Nothing imported. {path}: row 3: {reason}" in str(error.value)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("value, reason", [
    ("a\x00b", "the value of 'topic' contains a control character (U+0000"),
    ("z" * 10_001, "the value of 'topic' is too long (10,001 characters; at most 10,000)"),
])
def test_codings_import_checks_text_values(review, tmp_path, value, reason):
    factories.CaseFactory(review=review, number="1")
    path = tmp_path / "codings.csv"
    path.write_text(f"case,coder,attribute,value\n1,ann,topic,{value}\n")

    with pytest.raises(CommandError) as error:
        call_command("import_codings", str(path), review="demo", stdout=io.StringIO())

    assert f"{path}: row 2: {reason}" in str(error.value)
    assert Coding.objects.count() == 0


def test_codebook_labels_are_checked_against_the_column_sizes(db, tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("title: T\nsections:\n  - title: S\n    attributes:\n"
                    f"      - {{key: k, label: {'L' * 201}, kind: text}}\n")

    with pytest.raises(CommandError, match=r"attribute 1 \(k\): 'label' too long \(201"):
        call_command("import_codebook", str(path), review="t", stdout=io.StringIO())


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,  # deeper than Python's decoder goes
    '{"values": ' + "[" * 30 + "]" * 30 + "}",  # within it, deeper than any body needs
], ids=["100000-levels", "31-levels"])
def test_a_deeply_nested_json_body_is_refused_with_400(case, coder_a, body):
    response = _api(coder_a).generic("PUT", "/api/reviews/demo/codings/1/", body,
                                     content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The JSON body nests lists or objects more than 20 levels deep.")
    assert not Coding.objects.exists()
