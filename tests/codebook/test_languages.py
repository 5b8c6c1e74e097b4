"""Codebooks in several languages: labels as text or {language: text}, stored by key, shown
in the reader's language, exported in a chosen one (coding/reviews/languages.py)."""

import csv
import io
import re
from contextlib import contextmanager

import pytest
import yaml
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from coding.models import Attribute, Codebook, Disagreement, Option, Role, Section
from coding.reviews.codebooks import (
    CodebookInvalid,
    codebook_file_data,
    codebook_store,
    codebook_token,
    codebook_validate,
)
from coding.reviews.languages import translated
from coding.reviews.qdc import codebook_to_qdc
from tests import factories
from tests.factories import PASSWORD

SLUG = "multi"

CODEBOOK = {
    "title": "Multilingual",
    "sections": [{
        "title": {"en": "Characteristics", "es": "Características"},
        "attributes": [
            {"key": "level", "label": {"en": "Level", "es": "Nivel"}, "kind": "single",
             "help": {"en": "Level of government.", "es": "Nivel de gobierno."},
             "required": True,
             "options": [{"key": "local", "label": {"en": "Local", "es": "Municipal"}},
                         {"key": "national", "label": {"en": "National", "es": "Estatal"}}]},
            {"key": "roles", "label": {"en": "Roles", "es": "Funciones"}, "kind": "multi",
             "options": [{"key": "deliverer", "label": {"en": "Deliverer",
                                                        "es": "Prestador"}},
                         {"key": "assessor", "label": "Assessor"}]},
        ],
    }],
}


@pytest.fixture
def multi(db):
    codebook_store(review_slug=SLUG, data=CODEBOOK)
    review = Codebook.objects.get(review__slug=SLUG).review
    review.is_published = True
    review.save(update_fields=["is_published"])
    people = {}
    for name, role in [("sofia", Role.CODER), ("emma", Role.CODER), ("ada", Role.ADJUDICATOR),
                       ("lena", Role.LEAD)]:
        people[name] = factories.UserFactory(username=name, first_name=name.title())
        factories.MembershipFactory(review=review, user=people[name], role=role)
    case = factories.CaseFactory(review=review, number="1")
    factories.AssignmentFactory(case=case, coder=people["sofia"])
    factories.AssignmentFactory(case=case, coder=people["emma"])
    return review, case, people


_CLIENTS: list[Client] = []


def _client(username: str) -> Client:
    client = Client()
    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)
    _CLIENTS.append(client)
    return client


@contextmanager
def speaking(language: str):
    """Requests in `language`, as a browser asks for it (Accept-Language: the interface's
    LocaleMiddleware chooses each request's language), and this test's own code too."""
    with translation.override(language):
        for client in _CLIENTS:
            client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        yield


def test_labels_are_stored_in_the_source_language_with_their_translations(multi):
    attribute = Attribute.objects.get(key="level")
    assert attribute.label == "Level" and attribute.help_text == "Level of government."
    assert attribute.translations == {"label": {"es": "Nivel"},
                                      "help": {"es": "Nivel de gobierno."}}
    assert Section.objects.get().translations == {"title": {"es": "Características"}}
    assessor = Option.objects.get(key="assessor")
    assert assessor.label == "Assessor" and assessor.translations == {}
    with translation.override("es"):
        assert translated(attribute) == "Nivel"
        assert translated(assessor) == "Assessor"  # no translation: the source language
    with translation.override("zh-hans"):
        assert translated(attribute) == "Level"
    with translation.override("en-gb"):
        assert translated(attribute, "help") == "Level of government."


def test_the_file_round_trips_the_maps_and_an_unchanged_save_changes_nothing(multi):
    review, _, _ = multi
    data = codebook_file_data(review.current_codebook())
    assert data["sections"][0]["title"] == {"en": "Characteristics", "es": "Características"}
    assert data["sections"][0]["attributes"][1]["options"][1] == {"key": "assessor",
                                                                  "label": "Assessor"}
    assert codebook_validate(yaml.safe_load(yaml.safe_dump(data))) == data
    token = codebook_token(review)
    assert codebook_store(review_slug=SLUG, data=data).outcome == "unchanged"
    assert codebook_token(review) == token


def test_a_translation_added_or_removed_rewords_in_place(multi):
    review, _, _ = multi
    data = codebook_file_data(review.current_codebook())
    data["sections"][0]["attributes"][1]["options"][1]["label"] = {
        "en": "Assessor", "zh-hans": "评估者"}
    data["sections"][0]["attributes"][0]["label"] = "Level"
    result = codebook_store(review_slug=SLUG, data=data)
    assert result.outcome == "updated" and result.version == 1
    assert Option.objects.get(key="assessor").translations == {"label": {"zh-hans": "评估者"}}
    assert Attribute.objects.get(key="level").translations == {
        "help": {"es": "Nivel de gobierno."}}


def test_a_codebook_in_spanish_keeps_spanish_in_the_columns(db):
    codebook_store(review_slug="es", data={
        "title": "Libro", "language": "es",
        "sections": [{"title": "Datos", "attributes": [
            {"key": "nivel", "label": {"es": "Nivel", "en": "Level"}, "kind": "text"}]}]})
    attribute = Attribute.objects.get(key="nivel")
    assert attribute.codebook.language == "es" and attribute.label == "Nivel"
    assert attribute.translations == {"label": {"en": "Level"}}
    with translation.override("en"):
        assert translated(attribute) == "Level"
    data = codebook_file_data(attribute.codebook)
    assert data["language"] == "es"
    assert list(data["sections"][0]["attributes"][0]["label"]) == ["es", "en"]


def test_an_unknown_source_language_is_refused(db):
    with pytest.raises(CodebookInvalid) as error:
        codebook_validate({"title": "T", "language": "fr", "sections": [
            {"title": "S", "attributes": [{"key": "a", "label": "A", "kind": "text"}]}]})
    assert error.value.where == "codebook" and error.value.field == "language"
    assert "'language' must be one of en, es, zh-hans, got 'fr'" in error.value.reason


def test_the_qdc_export_uses_the_source_language(multi):
    review, _, _ = multi
    text = codebook_to_qdc(codebook_file_data(review.current_codebook())).decode()
    assert 'name="Level"' in text and 'name="Characteristics"' in text
    assert "Nivel" not in text and "Municipal" not in text


def test_the_api_round_trips_the_maps(multi):
    review, _, people = multi
    client = _client("lena")
    url = f"/api/reviews/{SLUG}/codebook/"
    got = client.get(url)
    assert got.status_code == 200
    level = got.json()["sections"][0]["attributes"][0]
    assert level["label"] == "Level" and level["translations"]["label"] == {"es": "Nivel"}
    as_json = client.get(url + "?format=json").json()
    assert as_json["sections"][0]["attributes"][0]["label"] == {"en": "Level", "es": "Nivel"}
    as_yaml = client.get(url + "?format=yaml").content.decode()
    assert yaml.safe_load(as_yaml)["sections"][0]["attributes"][0]["options"][0]["label"] == {
        "en": "Local", "es": "Municipal"}
    data = codebook_file_data(review.current_codebook())
    data["sections"][0]["attributes"][0]["label"] = {"en": "Level", "es": "Nivel territorial"}
    put = client.put(url, data, content_type="application/json",
                     HTTP_IF_MATCH=got.headers["ETag"])
    assert put.status_code == 200, put.content
    assert Attribute.objects.get(key="level").translations["label"] == {
        "es": "Nivel territorial"}


def _coding_post(client, case, values: dict):
    args = [case.review.slug, case.number]
    response = client.post(reverse("coding:coding_submit", args=args),
                           {"version": 0, **values}, follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]


def test_coders_in_two_languages_disagree_on_one_adjudication_page_and_export_in_either(
        multi, tmp_path):
    review, case, people = multi
    form_url = reverse("coding:coding_form", args=[SLUG, case.number])
    spanish, english = _client("sofia"), _client("emma")

    with speaking("es"):
        page = spanish.get(form_url).content.decode()
        assert ">Nivel" in page and "Municipal" in page and "Nivel de gobierno." in page
        assert "Características" in page and "Prestador" in page
        assert re.search(r'type="radio" name="level" value="local"', page)
        _coding_post(spanish, case, {"level": "local", "roles": ["deliverer"]})
    with speaking("en"):
        page = english.get(form_url).content.decode()
        assert ">Level" in page and "Local" in page and "Nivel" not in page
        _coding_post(english, case, {"level": "national", "roles": ["deliverer"]})

    # Values are keys: the roles agree, the level is the one disagreement.
    disagreement = Disagreement.objects.get(case=case)
    assert disagreement.attribute.key == "level"

    adjudication = _client("ada")
    queue = reverse("coding:adjudication_queue", args=[SLUG])
    with speaking("es"):
        assert "Nivel" in adjudication.get(queue).content.decode()
    with speaking("en"):
        listed = adjudication.get(queue).content.decode()
    assert "Level" in listed and "Nivel" not in listed
    url = reverse("coding:adjudication_case", args=[SLUG, case.number])
    with speaking("es"):
        page = adjudication.get(url).content.decode()
    assert "Nivel" in page and "Municipal" in page and "Estatal" in page
    assert page.count('class="adj-item state-open"') == 1
    with speaking("en"):
        page = adjudication.get(url).content.decode()
    assert ">Level<" in page and "Local" in page and "National" in page
    assert "Nivel" not in page

    with speaking("es"):
        response = adjudication.post(url, {
            "action": "resolve", "key": "level", "level-choice": "a",
            "level-rationale": "El informe habla del ayuntamiento.",
            "level-expected_version": 0,
        })
    assert response.status_code in (200, 302), response.content.decode()[:2000]

    for language, level, roles in [("es", "Municipal", "Prestador"),
                                   ("en", "Local", "Deliverer")]:
        out = tmp_path / f"consensus-{language}.csv"
        call_command("export_consensus", review=SLUG, output=str(out), lang=language,
                     stderr=io.StringIO())
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert rows == [{"case": "1", "level": "local", "level:label": level,
                         "roles": "deliverer", "roles:label": roles}]
        export = Client().get(reverse("coding:export_csv", args=[SLUG]) + f"?lang={language}")
        table = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
        assert table[0]["level"] == level and table[0]["roles"] == roles

    codings = tmp_path / "codings.csv"
    call_command("export_codings", review=SLUG, output=str(codings), lang="es",
                 stderr=io.StringIO())
    rows = list(csv.DictReader(codings.open(encoding="utf-8")))
    assert {(r["coder"], r["attribute"], r["value"], r["value_label"]) for r in rows} == {
        ("sofia", "level", "local", "Municipal"), ("emma", "level", "national", "Estatal"),
        ("sofia", "roles", "deliverer", "Prestador"),
        ("emma", "roles", "deliverer", "Prestador")}


def test_an_unknown_export_language_is_refused(multi):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--lang 'fr' is not one of en, es, zh-hans"):
        call_command("export_consensus", review=SLUG, lang="fr", stdout=io.StringIO())


def _read(client, url: str) -> str:
    """The page in the active language, asked for as a browser asks (Accept-Language)."""
    return client.get(url, HTTP_ACCEPT_LANGUAGE=translation.get_language()).content.decode()


def test_the_gallery_and_dashboard_follow_the_readers_language(multi, client):
    review, case, _ = multi
    factories.consensus_for(case=case, values={"level": "local", "roles": ["deliverer"]})
    case.refresh_from_db()
    with translation.override("es"):
        dashboard = _read(client, reverse("coding:dashboard", args=[SLUG]))
    assert "Nivel" in dashboard and "Municipal" in dashboard
    with translation.override("en"):
        dashboard = _read(client, reverse("coding:dashboard", args=[SLUG]))
    assert "Nivel" not in dashboard and "Level" in dashboard
    with translation.override("es"):
        gallery = _read(client, reverse("coding:gallery", args=[SLUG]))
    assert "Nivel" in gallery and "Municipal" in gallery


def test_the_readmes_example_of_a_codebook_in_several_languages_is_valid(db):
    from pathlib import Path

    from django.conf import settings

    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(title: Co-production cases\n.*?)```", readme, re.S).group(1)
    clean = codebook_validate(yaml.safe_load(block))
    level = clean["sections"][0]["attributes"][0]
    assert level["label"] == {"en": "Level of government", "es": "Nivel de gobierno",
                              "zh-hans": "政府层级"}
    assert level["options"][2] == {"key": "regional", "label": "Regional"}
