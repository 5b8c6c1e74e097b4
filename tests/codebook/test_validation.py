"""The one strict codebook validation (coding/reviews/codebooks.py): a value of the wrong type
is refused with its place named, never turned into text, and nothing is stored."""

import json

import pytest

from coding.fileio import ImportFailed
from coding.models import Review
from coding.reviews.codebook_files import codebook_file_load
from coding.reviews.codebooks import CodebookInvalid, codebook_store, codebook_validate
from coding.reviews.importers import codebook_import


def _book() -> dict:
    return {"title": "Small", "sections": [
        {"title": "Basics", "attributes": [
            {"key": "level", "label": "Level", "kind": "single",
             "options": [{"key": "national", "label": "National"},
                         {"key": "local", "label": "Local"}]},
        ]},
        {"title": "Scales", "attributes": [
            {"key": "notes", "label": "Notes", "kind": "text"},
            {"key": "intensity", "label": "Intensity", "kind": "number", "required": True},
        ]},
    ]}


def test_a_valid_codebook_is_normalised_with_defaults():
    clean = codebook_validate(_book())
    intensity = clean["sections"][1]["attributes"][1]
    assert intensity == {"key": "intensity", "label": "Intensity", "kind": "number", "help": "",
                         "required": True, "level": "interval", "options": []}


@pytest.mark.parametrize("change, where, reason, field", [
    (lambda b: b["sections"][1]["attributes"][1].update(label=["Main", "Principal"]),
     "section 2 (Scales), attribute 2 (intensity)", "'label' must be text, got a list",
     "sections.1.attributes.1.label"),
    (lambda b: b["sections"][1]["attributes"][1].update(label={"en": "Main", "fr": "Principal"}),
     "section 2 (Scales), attribute 2 (intensity)",
     "'label': unknown language code 'fr' (known: en, es, zh-hans)",
     "sections.1.attributes.1.label"),
    (lambda b: b["sections"][1]["attributes"][1].update(label={"en": "Main", "es": 3}),
     "section 2 (Scales), attribute 2 (intensity)",
     "'label (es)' must be text, got a number (put it in quotes if you meant the text '3')",
     "sections.1.attributes.1.label"),
    (lambda b: b["sections"][0].update(title={"es": "Básicos"}), "section 1",
     "'title' has no text in the codebook's language 'en' (the codebook's 'language'; "
     "default 'en')", "sections.0.title"),
    (lambda b: b["sections"][1]["attributes"][0].update(help=["a", "b"]),
     "section 2 (Scales), attribute 1 (notes)", "'help' must be text, got a list",
     "sections.1.attributes.0.help"),
    (lambda b: b["sections"][1]["attributes"][1].update(required="yes"),
     "section 2 (Scales), attribute 2 (intensity)", "'required' must be true or false, got text",
     "sections.1.attributes.1.required"),
    (lambda b: b["sections"][0]["attributes"][0]["options"][1].update(key=2),
     "section 1 (Basics), attribute 1 (level), option 2", "'key' must be text, got a number",
     "sections.0.attributes.0.options.1.key"),
    (lambda b: b["sections"][0]["attributes"][0]["options"][0].update(label=True),
     "section 1 (Basics), attribute 1 (level), option 1", "'label' must be text, got true/false",
     "sections.0.attributes.0.options.0.label"),
    (lambda b: b["sections"][0]["attributes"][0].update(options={"a": "A"}),
     "section 1 (Basics), attribute 1 (level)", "'options' must be a list, got a mapping",
     "sections.0.attributes.0.options"),
    (lambda b: b["sections"][0].update(title=7), "section 1", "'title' must be text, got a number",
     "sections.0.title"),
    (lambda b: b.update(title={"en": "Small"}), "codebook", "'title' must be text, got a mapping",
     "title"),
    (lambda b: b.update(sections={"title": "x"}), "codebook",
     "'sections' must be a list, got a mapping", "sections"),
    (lambda b: b["sections"][1]["attributes"][0].update(key="two words"),
     "section 2 (Scales), attribute 1", "'key' must be letters, digits, '-' or '_'",
     "sections.1.attributes.0.key"),
    (lambda b: b["sections"][1]["attributes"][0].update(key=["notes"]),
     "section 2 (Scales), attribute 1", "'key' must be text, got a list",
     "sections.1.attributes.0.key"),
    (lambda b: b["sections"][1]["attributes"][1].update(level=3),
     "section 2 (Scales), attribute 2 (intensity)", "'level' must be text, got a number",
     "sections.1.attributes.1.level"),
    (lambda b: b["sections"][0]["attributes"][0].update(kind="multi", none_option=["none"]),
     "section 1 (Basics), attribute 1 (level), none_option",
     "expected a mapping with a label or {key, label}, got a list",
     "sections.0.attributes.0.none_option"),
])
def test_a_value_of_the_wrong_type_is_refused_naming_its_place(db, change, where, reason, field):
    book = _book()
    change(book)

    with pytest.raises(CodebookInvalid) as error:
        codebook_store(review_slug="strict", data=book)

    assert error.value.where == where
    assert error.value.reason.startswith(reason)
    assert error.value.field == field
    assert str(error.value.messages[0]).startswith(f"{where}: {reason}")
    assert not Review.objects.exists()


def test_the_importer_refuses_a_mapping_label_naming_file_and_place(db, tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(
        "title: Small\nsections:\n  - title: Scales\n    attributes:\n"
        "      - key: main\n        label: {en: Main, es: [Principal]}\n        kind: text\n"
    )

    with pytest.raises(ImportFailed) as error:
        codebook_import(path=path, review_slug="strict")

    assert str(error.value) == (f"{path}: section 1 (Scales), attribute 1 (main): 'label (es)' "
                                "must be text, got a list")
    assert not Review.objects.exists()


def test_a_yaml_yes_where_text_belongs_is_refused_with_a_hint_to_quote_it(db):
    data = codebook_file_load("c.yaml", (
        b"title: Small\nsections:\n  - title: S\n    attributes:\n"
        b"      - {key: ok, label: OK, kind: single, options: [{key: y, label: yes}]}\n"))

    with pytest.raises(CodebookInvalid, match=r"'label' must be text, got true/false \(put it "
                                              r"in quotes if you meant the text 'true'\)"):
        codebook_validate(data)


def test_a_json_codebook_file_loads_like_yaml(db):
    data = codebook_file_load("book.json", json.dumps(_book()).encode())
    result = codebook_store(review_slug="from-json", data=data)
    assert result.outcome == "created"
    assert list(result.codebook.attributes.values_list("key", flat=True)) == [
        "level", "notes", "intensity"]


@pytest.mark.parametrize("name, data, where, reason", [
    ("book.json", b'{"title": "x",\n "sections": [}', "line 2", "not valid JSON"),
    ("book.json", b'{"title": NaN}', "file", "not valid JSON (NaN is not a number)"),
    ("book.json", b"[" * 5000 + b"]" * 5000, "file", "not valid JSON"),
    ("book.json", b"[" * 30 + b"]" * 30, "file", "nested more than 20 levels deep"),
    ("book.yaml", b"title: &a x\n", "line 1", "an anchor (&a)"),
    ("book.txt", b"title: x\n", "file", "a codebook file ends in .yaml, .yml, .json"),
    ("book.json", b"\xff{}", "line 1 (byte 1)", "not UTF-8 text"),
])
def test_a_bad_codebook_file_is_refused_naming_the_place(name, data, where, reason):
    with pytest.raises(ImportFailed) as error:
        codebook_file_load(name, data)
    assert error.value.where == where and reason in error.value.reason


def test_a_codebook_over_the_attribute_limit_is_refused(monkeypatch):
    from coding.reviews import codebooks

    monkeypatch.setattr(codebooks, "CODEBOOK_MAX_ATTRIBUTES", 3)
    book = _book()
    book["sections"][1]["attributes"].append({"key": "more", "label": "More", "kind": "text"})
    with pytest.raises(CodebookInvalid) as error:
        codebook_validate(book)
    assert error.value.where == "section 2"
    assert error.value.reason == "a codebook may have at most 3 attributes"
