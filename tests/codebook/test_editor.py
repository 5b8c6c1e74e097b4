"""The codebook editor page (coding/web/codebook.py) and the API's GET/PUT of the codebook:
both save through coding.reviews.codebooks.codebook_save (in place or a new version, a stale
token refused, wrong types refused by place, nothing stored)."""

import html
import json

import pytest
import yaml
from rest_framework.test import APIClient

from coding.models import AuditEvent, Codebook, Role
from coding.reviews.codebooks import codebook_file_data, codebook_token
from tests import factories
from tests.conftest import _member


def _editor_url(review, suffix=""):
    return f"/reviews/{review.slug}/codebook/{suffix}"


def _data(review) -> dict:
    return codebook_file_data(review.current_codebook())


def _save(client, review, data, token=None, *, as_json=True):
    token = codebook_token(review) if token is None else token
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    return client.post(_editor_url(review), {"codebook": json.dumps(data), "token": token},
                       **headers)


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


def test_only_leads_open_the_editor_others_get_404(client, review, lead, coder_a, adjudicator,
                                                    outsider):
    for user, status in [(lead, 200), (coder_a, 404), (adjudicator, 404), (outsider, 404)]:
        client.force_login(user)
        assert client.get(_editor_url(review)).status_code == status
    client.logout()
    assert client.get(_editor_url(review)).status_code == 302  # to sign in


def test_the_editor_page_carries_the_codebook_and_its_token_and_progress_links_it(
        lead_client, review, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        page = lead_client.get(_editor_url(review)).content.decode()
    assert f'value="{codebook_token(review)}"' in page
    assert 'id="codebook-editor-data"' in page and '"key": "level"' in page
    progress = lead_client.get(f"/reviews/{review.slug}/progress/").content.decode()
    assert f'<a href="/reviews/{review.slug}/codebook/">Edit the codebook</a>' in progress
    assert "<script>" not in page.replace('<script id="codebook-editor-data"', "")


def test_a_wording_change_saves_in_place_even_once_coded(lead_client, review, coder_a):
    case = factories.CaseFactory(review=review)
    factories.CodingFactory(case=case, coder=coder_a)
    data = _data(review)
    data["sections"][0]["attributes"][0]["label"] = "Level of government"

    response = _save(lead_client, review, data)

    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "updated" and response.json()["version"] == 1
    assert review.current_codebook().attributes.get(key="level").label == "Level of government"
    assert AuditEvent.objects.filter(action="codebook.updated",
                                     data__source="editor").count() == 1


def test_a_new_option_once_coded_makes_a_new_version_and_the_check_says_so_first(
        lead_client, review, coder_a, django_assert_max_num_queries):
    factories.CodingFactory(case=factories.CaseFactory(review=review), coder=coder_a)
    data = _data(review)
    data["sections"][0]["attributes"][0]["options"].append({"key": "city", "label": "City"})

    with django_assert_max_num_queries(20):  # the editor asks this on every change
        check = lead_client.post(_editor_url(review, "check/"), {
            "codebook": json.dumps(data), "token": codebook_token(review)}).json()
    assert check["ok"] and check["outcome"] == "new version" and check["version"] == 2
    assert "makes a new version (2)" in check["message"]
    assert 'name="level" value="city"' in check["preview"]  # the coding form's own template
    assert Codebook.objects.filter(review=review).count() == 1  # the check stored nothing

    response = _save(lead_client, review, data)
    assert response.json()["outcome"] == "new version"
    assert review.current_codebook().version == 2


def test_the_same_change_while_nobody_coded_replaces_the_version(lead_client, review):
    data = _data(review)
    data["sections"][1]["attributes"].pop()
    check = lead_client.post(_editor_url(review, "check/"), {
        "codebook": json.dumps(data), "token": codebook_token(review)}).json()
    assert check["message"] == ("Nobody has coded under version 1 yet, so saving replaces it "
                                "(no new version).")
    saved = _save(lead_client, review, data).json()
    assert saved["outcome"] == "updated" and "replaced" in saved["message"]
    assert review.current_codebook().version == 1
    assert not review.current_codebook().attributes.filter(key="agreement").exists()


def test_a_save_on_a_stale_token_is_a_conflict_never_an_overwrite(client, review, lead):
    other = _member(review, "olga", Role.LEAD)
    token = codebook_token(review)
    first = _data(review)
    first["title"] = "Olga's title"
    client.force_login(other)
    assert _save(client, review, first, token).status_code == 200

    second = _data(review)
    second["title"] = "Lena's title"
    client.force_login(lead)
    response = _save(client, review, second, token)

    assert response.status_code == 409 and response.json()["conflict"]
    assert "Someone else saved this codebook" in response.json()["message"]
    assert review.current_codebook().title == "Olga's title"
    page = _save(client, review, second, token, as_json=False)
    assert page.status_code == 409 and "Someone else saved this codebook" in page.content.decode()


def test_a_wrong_type_from_the_editor_is_refused_by_place_and_nothing_stored(lead_client, review):
    data = _data(review)
    data["sections"][1]["attributes"][0]["label"] = {"en": "Roles", "es": ["Papeles"]}
    before = codebook_token(review)

    response = _save(lead_client, review, data)

    assert response.status_code == 400
    assert response.json()["error"] == {
        "where": "section 2 (Process), attribute 1 (roles)",
        "reason": "'label (es)' must be text, got a list",
        "field": "sections.1.attributes.0.label",
        "message": "section 2 (Process), attribute 1 (roles): 'label (es)' must be text, got a "
                   "list",
    }
    assert codebook_token(review) == before


def test_without_javascript_the_page_saves_yaml_text_and_shows_errors(lead_client, review):
    data = _data(review)
    data["title"] = "Typed by hand"
    text = yaml.safe_dump(data, sort_keys=False)
    response = lead_client.post(_editor_url(review), {"codebook": text,
                                                      "token": codebook_token(review)})
    assert response.status_code == 302
    assert review.current_codebook().title == "Typed by hand"

    bad = text.replace("required: true", "required: 'yes'", 1)
    page = lead_client.post(_editor_url(review), {"codebook": bad,
                                                  "token": codebook_token(review)})
    assert page.status_code == 400
    assert "'required' must be true or false, got text" in html.unescape(page.content.decode())


def test_opening_a_file_proposes_it_without_saving(lead_client, review, tmp_path):
    data = _data(review)
    data["title"] = "From a file"
    upload = tmp_path / "book.yaml"
    upload.write_text(yaml.safe_dump(data))
    before = codebook_token(review)
    with upload.open("rb") as handle:
        answer = lead_client.post(_editor_url(review, "open/"), {"file": handle},
                                  HTTP_ACCEPT="application/json").json()
    assert answer["ok"] and answer["codebook"]["title"] == "From a file"
    assert codebook_token(review) == before

    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x", "sections": [{"title": 1, "attributes": []}]}')
    with bad.open("rb") as handle:
        refused = lead_client.post(_editor_url(review, "open/"), {"file": handle},
                                   HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith(
        "section 1: 'title' must be text, got a number")


# --- the API ---------------------------------------------------------------------------------


def _api(user=None):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def test_api_get_formats_give_the_file_and_an_etag(review, coder_a):
    api = _api(coder_a)
    url = f"/api/reviews/{review.slug}/codebook/"
    plain = api.get(url)
    assert plain.status_code == 200 and plain.json()["version"] == 1  # the shape as before
    assert plain["ETag"] == f'"{codebook_token(review)}"'
    as_json = api.get(url + "?format=json")
    assert json.loads(as_json.content) == _data(review)
    as_yaml = api.get(url + "?format=yaml")
    assert as_yaml["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.content) == _data(review)
    assert 'filename="demo-codebook-v1.yaml"' in as_yaml["Content-Disposition"]
    assert api.get(url + "?format=xml").status_code == 400


def test_api_put_saves_with_if_match_and_refuses_stale_or_missing(review, lead):
    api = _api(lead)
    url = f"/api/reviews/{review.slug}/codebook/"
    etag = api.get(url)["ETag"]
    data = _data(review)
    data["title"] = "Through the API"

    assert api.put(url, data, format="json").status_code == 428
    dry = api.put(url + "?dry_run=1", data, format="json", HTTP_IF_MATCH=etag)
    assert dry.status_code == 200 and dry.json()["dry_run"] and dry.json()["outcome"] == "updated"
    assert review.current_codebook().title != "Through the API"
    saved = api.put(url, data, format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200 and saved.json()["outcome"] == "updated"
    assert saved["ETag"] != etag and review.current_codebook().title == "Through the API"
    stale = api.put(url, data, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412


def test_api_put_refuses_a_wrong_type_by_place(review, lead):
    api = _api(lead)
    url = f"/api/reviews/{review.slug}/codebook/"
    data = _data(review)
    data["sections"][0]["attributes"][0]["required"] = "true"
    response = api.put(url, data, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 400
    assert response.json()["where"] == "section 1 (Characteristics), attribute 1 (level)"
    assert response.json()["field"] == "sections.0.attributes.0.required"
    assert response.json()["reason"] == "'required' must be true or false, got text"


def test_api_put_is_for_leads_only(review, coder_a, adjudicator, outsider):
    url = f"/api/reviews/{review.slug}/codebook/"
    data = _data(review)
    assert _api(coder_a).put(url, data, format="json", HTTP_IF_MATCH="*").status_code == 403
    assert _api(adjudicator).put(url, data, format="json", HTTP_IF_MATCH="*").status_code == 403
    assert _api(outsider).put(url, data, format="json", HTTP_IF_MATCH="*").status_code == 404
    assert _api().put(url, data, format="json", HTTP_IF_MATCH="*").status_code == 404


def test_api_put_creates_the_first_codebook_of_a_review(db):
    review = factories.ReviewFactory(slug="fresh")
    lead = _member(review, "lou", Role.LEAD)
    data = {"title": "Fresh", "sections": [{"title": "S", "attributes": [
        {"key": "done", "label": "Done?", "kind": "boolean"}]}]}
    response = _api(lead).put("/api/reviews/fresh/codebook/", data, format="json",
                              HTTP_IF_MATCH='"none"')
    assert response.status_code == 200 and response.json()["outcome"] == "created"
    assert review.current_codebook().attributes.get().key == "done"
