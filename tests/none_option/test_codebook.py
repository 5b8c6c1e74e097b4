"""`none_option` in the codebook YAML: import, export round trip, the API's codebook, the
bundled codebook, and which codebook changes update the current version in place."""

import io
import textwrap

import pytest
import yaml
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from coding.models import Attribute, Codebook, Option, Review
from tests import factories

CODEBOOK = textwrap.dedent("""
    title: Nones
    sections:
      - title: Process
        attributes:
          - key: tools
            label: Participation tools
            kind: multi
            help: How citizens take part.
            none_option: No tool reported
            options: [{key: survey, label: Survey}, {key: panel, label: Panel}]
          - key: partners
            label: Partners
            kind: multi
            none_option: {key: none_reported, label: No partnership reported}
            options: [{key: nonprofits, label: Non-profits}]
          - key: roles
            label: Roles
            kind: multi
            options: [{key: deliverer, label: Deliverer}]
""")


def _import(tmp_path, text, slug="nones") -> str:
    path = tmp_path / f"{slug}.yaml"
    path.write_text(text)
    out = io.StringIO()
    call_command("import_codebook", str(path), review=slug, stdout=out)
    return out.getvalue()


def _options(slug: str, key: str) -> list[tuple[str, str, bool]]:
    codebook = Review.objects.get(slug=slug).current_codebook()
    return list(Option.objects.filter(attribute__codebook=codebook, attribute__key=key)
                .values_list("key", "label", "is_none"))


def test_none_option_is_read_as_a_label_or_as_key_and_label(db, tmp_path):
    _import(tmp_path, CODEBOOK)
    assert _options("nones", "tools") == [
        ("survey", "Survey", False), ("panel", "Panel", False), ("none", "No tool reported", True)
    ]
    assert _options("nones", "partners")[-1] == ("none_reported", "No partnership reported", True)
    assert all(not is_none for _, _, is_none in _options("nones", "roles"))


@pytest.mark.parametrize("attribute, reason", [
    ("{key: kind_of, label: Kind, kind: single, none_option: Nothing, "
     "options: [{key: a, label: A}]}", "only a multi attribute can have a 'none_option'"),
    ("{key: kind_of, label: Kind, kind: multi, none_option: {key: a, label: Nothing}, "
     "options: [{key: a, label: A}]}", "key 'a' is also the key of an option"),
    ("{key: kind_of, label: Kind, kind: multi, none_option: {key: x, label: N, extra: 1}, "
     "options: [{key: a, label: A}]}", "extra"),
])
def test_import_refuses_a_bad_none_option_and_names_the_attribute(db, tmp_path, attribute,
                                                                  reason):
    text = f"title: Bad\nsections:\n  - title: S\n    attributes:\n      - {attribute}\n"
    with pytest.raises(CommandError) as error:
        _import(tmp_path, text, slug="bad")
    message = str(error.value)
    assert message.startswith("Nothing imported.") and "(kind_of), none_option" in message
    assert reason in message
    assert not Review.objects.filter(slug="bad").exists()


def test_export_codebook_round_trips_none_options(db, tmp_path):
    _import(tmp_path, CODEBOOK)
    out = io.StringIO()
    call_command("export_codebook", review="nones", stdout=out)
    exported = yaml.safe_load(out.getvalue())
    attributes = {a["key"]: a for a in exported["sections"][0]["attributes"]}
    assert attributes["tools"]["none_option"] == {"key": "none", "label": "No tool reported"}
    assert [o["key"] for o in attributes["tools"]["options"]] == ["survey", "panel"]
    assert "none_option" not in attributes["roles"]
    (tmp_path / "again.yaml").write_text(out.getvalue())
    result = io.StringIO()
    call_command("import_codebook", str(tmp_path / "again.yaml"), review="nones", stdout=result)
    assert "unchanged" in result.getvalue()
    call_command("import_codebook", str(tmp_path / "again.yaml"), review="copy",
                 stdout=io.StringIO())
    assert _options("copy", "tools") == _options("nones", "tools")


def test_api_codebook_shows_the_none_option(db, tmp_path):
    _import(tmp_path, CODEBOOK)
    Review.objects.filter(slug="nones").update(is_published=True)
    body = APIClient().get("/api/reviews/nones/codebook/").json()
    attributes = {a["key"]: a for s in body["sections"] for a in s["attributes"]}
    assert attributes["tools"]["none_option"] == {"key": "none", "label": "No tool reported"}
    assert attributes["tools"]["options"][-1]["is_none"] is True
    assert attributes["roles"]["none_option"] is None


def _with_a_coding(slug: str) -> Codebook:
    review = Review.objects.get(slug=slug)
    case = review.cases.first() or factories.CaseFactory(review=review, number="1")
    factories.CodingFactory(case=case, coder=factories.UserFactory(), submitted=True)
    return review.current_codebook()


def test_wording_changes_update_a_coded_codebook_in_place(db, tmp_path):
    _import(tmp_path, CODEBOOK)
    codebook = _with_a_coding("nones")
    reworded = (CODEBOOK.replace("How citizens take part.", "How residents take part.")
                .replace("label: Survey", "label: Citizen survey")
                .replace("title: Process", "title: The process")
                .replace("No tool reported", "No participation tool reported"))
    assert "updated" in _import(tmp_path, reworded)
    review = Review.objects.get(slug="nones")
    assert review.codebooks.count() == 1 and review.current_codebook() == codebook
    tools = Attribute.objects.get(codebook=codebook, key="tools")
    assert tools.help_text == "How residents take part."
    assert tools.section.title == "The process"
    assert _options("nones", "tools")[0] == ("survey", "Citizen survey", False)
    assert _options("nones", "tools")[-1] == ("none", "No participation tool reported", True)


def test_adding_a_none_option_updates_a_coded_codebook_in_place(db, tmp_path):
    _import(tmp_path, CODEBOOK)
    codebook = _with_a_coding("nones")
    added = CODEBOOK.replace(
        "        options: [{key: deliverer, label: Deliverer}]",
        "        none_option: No role reported\n"
        "        options: [{key: deliverer, label: Deliverer}]")
    assert "updated" in _import(tmp_path, added)
    assert Review.objects.get(slug="nones").current_codebook() == codebook
    assert _options("nones", "roles")[-1] == ("none", "No role reported", True)


@pytest.mark.parametrize("change", [
    ("        none_option: No tool reported\n", ""),  # a none option removed
    ("none_option: {key: none_reported,", "none_option: {key: nothing,"),  # its key changed
    ("{key: panel, label: Panel}", "{key: board, label: Panel}"),  # an option key changed
    ("      - key: roles\n        label: Roles\n        kind: multi\n",
     "      - key: roles\n        label: Roles\n        kind: multi\n        required: true\n"),
])
def test_other_changes_make_a_new_version_once_coded(db, tmp_path, change):
    _import(tmp_path, CODEBOOK)
    _with_a_coding("nones")
    old, new = change
    assert old in CODEBOOK
    assert "new version" in _import(tmp_path, CODEBOOK.replace(old, new))
    assert Review.objects.get(slug="nones").current_codebook().version == 2


def test_bundled_codebook_allows_none_where_the_paper_allows_not_reported(coproduction):
    nones = dict(Option.objects.filter(attribute__codebook__review=coproduction, is_none=True)
                 .values_list("attribute__key", "label"))
    assert set(nones) == {"participation_tools", "participants", "partnership_forms", "values",
                          "outcomes"}
    assert all(label.startswith("No ") and label.endswith(" reported") for label in nones.values())


def test_load_coproduction_rewords_in_place_on_a_deployment_with_codings(coproduction):
    codebook = _with_a_coding("coproduction")
    # An older bundle: other wording, no none options yet.
    level = Attribute.objects.get(codebook=codebook, key="level")
    level.help_text = "10 national, 3 state and 43 local cases."
    level.save()
    Option.objects.filter(attribute__codebook=codebook, is_none=True).delete()
    out = io.StringIO()
    call_command("load_coproduction", stdout=out)
    assert "codebook updated" in out.getvalue()
    assert coproduction.codebooks.count() == 1
    level.refresh_from_db()
    assert "43 local" not in level.help_text
    assert Option.objects.filter(attribute__codebook=codebook, is_none=True).count() == 5
    call_command("load_coproduction", stdout=out)
    assert "codebook unchanged" in out.getvalue()
