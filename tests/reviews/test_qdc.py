"""REFI-QDA codebook exchange (`.qdc`): export, the round trip through the importer, files
in the forms Taguette, QualCoder and NVivo write, and bad files refused with nothing stored."""

import io
import json
import shutil
import textwrap
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from coding.imports.services import import_job_check
from coding.models import Attribute, Codebook, ImportJob, ImportStatus, Review, Section
from coding.reviews.codebook_files import codebook_file_load
from coding.reviews.importers import ImportFailed, codebook_as_dict, codebook_import
from coding.reviews.qdc import (
    NAMESPACE,
    QdcInvalid,
    attribute_guid,
    codebook_to_qdc,
    qdc_schema,
    qdc_to_codebook,
)
from coding.reviews.selectors import PRACTICE_SLUG

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "fixtures" / "coproduction_codebook.yaml"
DATA = ROOT / "tests" / "data"
NS = {"q": NAMESPACE}

# Every kind, level and rule the YAML file can say, with a none option and keys that are
# not made from their labels.
EVERY_KIND = textwrap.dedent("""
    title: Every kind
    sections:
      - title: Scales
        attributes:
          - key: intensity
            label: Intensity of participation
            kind: single
            level: ordinal
            required: true
            help: |-
              From informing to delegating.
              Pick the highest step reported.
            options:
              - {key: "1", label: Inform}
              - {key: "2", label: Consult}
              - {key: deleg, label: Delegate}
          - key: n_citizens
            label: Citizens involved
            kind: number
            level: ratio
          - key: staff-count
            label: Staff involved
            kind: number
      - title: Content
        attributes:
          - key: quote
            label: Key quote
            kind: text
            help: 'Copy it as printed, "quotes" & all.'
          - key: funded
            label: Externally funded?
            kind: boolean
            required: true
          - key: tools
            label: Tools
            kind: multi
            none_option: {key: none_reported, label: No tool reported}
            options: [{key: survey, label: Survey}, {key: panel, label: Citizens' panel}]
""")


def _codebook(text: str, tmp_path: Path, slug: str) -> Codebook:
    path = tmp_path / f"{slug}.yaml"
    path.write_text(text)
    return codebook_import(path=path, review_slug=slug).codebook


def _import_qdc(tmp_path: Path, data: bytes, slug: str, name: str = "codes.qdc") -> Codebook:
    path = tmp_path / name
    path.write_bytes(data)
    return codebook_import(path=path, review_slug=slug).codebook


def test_bundled_codebook_round_trips_through_qdc_with_every_key_label_and_order(
        db, tmp_path):
    original = codebook_import(path=BUNDLED, review_slug="original").codebook
    data = codebook_to_qdc(codebook_as_dict(original))

    copy = _import_qdc(tmp_path, data, "copy")

    assert codebook_as_dict(copy) == codebook_as_dict(original)
    # The same file written again is the same file (GUIDs come from keys, not reviews).
    assert codebook_to_qdc(codebook_as_dict(copy)) == data


def test_every_kind_level_rule_and_none_option_survives_the_round_trip(db, tmp_path):
    original = _codebook(EVERY_KIND, tmp_path, "every-kind")

    copy = _import_qdc(tmp_path, codebook_to_qdc(codebook_as_dict(original)), "every-copy")

    book = codebook_as_dict(copy)
    assert book == codebook_as_dict(original)
    attributes = {a["key"]: a for s in book["sections"] for a in s["attributes"]}
    assert list(attributes) == ["intensity", "n_citizens", "staff-count", "quote", "funded",
                                "tools"]
    assert (attributes["intensity"]["level"], attributes["intensity"]["required"]) == (
        "ordinal", True)
    assert attributes["n_citizens"]["level"] == "ratio"
    assert attributes["quote"]["help"] == 'Copy it as printed, "quotes" & all.'
    assert attributes["tools"]["none_option"] == {"key": "none_reported",
                                                  "label": "No tool reported"}
    assert [o["key"] for o in attributes["intensity"]["options"]] == ["1", "2", "deleg"]


def test_export_follows_the_published_schema_and_reads_as_a_code_tree(db, tmp_path):
    codebook = _codebook(EVERY_KIND, tmp_path, "schema")
    data = codebook_to_qdc(codebook_as_dict(codebook))

    root = ET.fromstring(data)
    assert qdc_schema().is_valid(root)
    assert root.tag == f"{{{NAMESPACE}}}CodeBook"
    sections = root.findall("q:Codes/q:Code", NS)
    assert [s.get("name") for s in sections] == ["Scales", "Content"]
    assert {s.get("isCodable") for s in sections} == {"false"}
    intensity = sections[0].find("q:Code", NS)
    assert intensity.get("name") == "Intensity of participation"
    assert intensity.get("guid") == attribute_guid("intensity")
    assert intensity.find("q:Description", NS).text == (
        "From informing to delegating.\nPick the highest step reported.")
    assert [o.get("name") for o in intensity.findall("q:Code", NS)] == [
        "Inform", "Consult", "Delegate"]
    tools = sections[1].findall("q:Code", NS)[2]
    assert [o.get("name") for o in tools.findall("q:Code", NS)][-1] == "No tool reported"
    # A leaf attribute (text, number, yes/no) is itself codable; a choice attribute's options are.
    assert sections[1].findall("q:Code", NS)[0].get("isCodable") == "true"
    assert intensity.get("isCodable") == "false"


def test_export_codebook_command_writes_qdc_and_import_codebook_reads_it(db, tmp_path):
    codebook_import(path=BUNDLED, review_slug="coproduction")
    target = tmp_path / "coproduction.qdc"

    call_command("export_codebook", "--review", "coproduction", "--format", "qdc",
                 "--output", str(target))
    out = io.StringIO()
    call_command("import_codebook", str(target), "--review", "from-qdc", stdout=out)

    assert "Codebook created: from-qdc v1" in out.getvalue()
    original = Review.objects.get(slug="coproduction").current_codebook()
    copy = Review.objects.get(slug="from-qdc").current_codebook()
    assert codebook_as_dict(copy) == codebook_as_dict(original)
    # YAML stays the default format.
    out = io.StringIO()
    call_command("export_codebook", "--review", "coproduction", stdout=out)
    assert yaml.safe_load(out.getvalue())["title"] == original.title


def test_taguette_codebook_imports_each_tag_as_a_yes_no_attribute(db, tmp_path):
    path = tmp_path / "taguette_codebook.qdc"
    shutil.copy(DATA / "taguette_codebook.qdc", path)

    codebook = codebook_import(path=path, review_slug="from-taguette").codebook

    assert list(codebook.sections.values_list("title", flat=True)) == ["Codes"]
    attributes = list(codebook.attributes.order_by("order"))
    assert [(a.key, a.label, a.kind) for a in attributes] == [
        ("barriers", "barriers", "boolean"),
        ("facilitators", "facilitators", "boolean"),
        ("citizen_voice", "citizen voice", "boolean"),
        ("staff_attitudes", "staff attitudes", "boolean"),
        ("interesting", "interesting", "boolean"),
    ]
    assert codebook.title == "taguette_codebook"


def test_qualcoder_codebook_imports_categories_as_sections_or_multiple_choice(db, tmp_path):
    book = qdc_to_codebook((DATA / "qualcoder_codebook.qdc").read_bytes(),
                           name="qualcoder_codebook.qdc")

    assert [s["title"] for s in book["sections"]] == ["Codes", "Outcomes"]
    loose, outcomes = book["sections"]
    assert [(a["key"], a["kind"]) for a in loose["attributes"]] == [
        ("interesting_quote", "boolean"), ("participation", "multi")]
    participation = loose["attributes"][1]
    assert participation["options"] == [{"key": "consultation", "label": "Consultation"},
                                        {"key": "co_design", "label": "Co-design"}]
    # The category's memo is the help text; an option's memo is kept in it too.
    assert participation["help"] == ("How citizens take part in the service.\n\n"
                                     "Co-design: Citizens and staff design the service "
                                     "together.")
    assert [(a["key"], a["kind"]) for a in outcomes["attributes"]] == [
        ("satisfaction", "boolean"), ("service_outcomes", "multi")]
    # And it goes through the importer's checks into a review.
    path = tmp_path / "qualcoder_codebook.qdc"
    shutil.copy(DATA / "qualcoder_codebook.qdc", path)
    codebook = codebook_import(path=path, review_slug="from-qualcoder").codebook
    assert codebook.attributes.get(key="service_outcomes").options.count() == 2


def test_nested_codes_flatten_into_options_with_their_path(db):
    book = qdc_to_codebook((DATA / "nvivo_codebook.qdc").read_bytes(),
                           name="nvivo_codebook.qdc")

    barriers, loose = book["sections"]
    assert barriers["title"] == "Barriers"
    citizen = barriers["attributes"][1]
    assert (citizen["key"], citizen["kind"]) == ("citizen_side", "multi")
    assert [o["label"] for o in citizen["options"]] == [
        "Time", "Trust", "Trust / Distrust of officials", "Trust / Distrust of peers"]
    assert [o["key"] for o in citizen["options"]] == [
        "time", "trust", "trust_distrust_of_officials", "trust_distrust_of_peers"]
    assert loose["attributes"][0] == {
        "key": "memo_worthy", "label": "Memo-worthy", "kind": "boolean",
        "help": "A passage to come back to.", "required": False, "level": "nominal",
        "options": [],
    }


def test_names_that_make_the_same_key_get_unique_keys(db):
    data = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="11111111-1111-4111-8111-111111111111" name="Trust" isCodable="true">
<Code guid="22222222-2222-4222-8222-222222222222" name="High" isCodable="true"/>
<Code guid="33333333-3333-4333-8333-333333333333" name="high!" isCodable="true"/>
</Code>
<Code guid="44444444-4444-4444-8444-444444444444" name="trust" isCodable="true"/>
</Codes></CodeBook>"""

    book = qdc_to_codebook(data, name="dupes.qdc")

    first, second = book["sections"][0]["attributes"]
    assert (first["key"], second["key"]) == ("trust", "trust_2")
    assert [o["key"] for o in first["options"]] == ["high", "high_2"]


def test_a_key_in_the_settings_that_does_not_match_its_guid_is_not_trusted(db, tmp_path):
    codebook = _codebook(EVERY_KIND, tmp_path, "tampered")
    text = codebook_to_qdc(codebook_as_dict(codebook)).decode()
    # Someone edits a key in the settings but not the GUID derived from it.
    text = text.replace('"key": "funded"', '"key": "paid"')

    book = qdc_to_codebook(text.encode(), name="tampered.qdc")

    keys = [a["key"] for s in book["sections"] for a in s["attributes"]]
    assert "paid" not in keys
    funded = book["sections"][1]["attributes"][1]
    # Made from the name instead, and proposed as a yes/no for the lead to review.
    assert (funded["key"], funded["kind"]) == ("externally_funded", "boolean")


BAD_FILES = [
    ("bad_not_xml.qdc", "line 1: not well-formed XML"),
    ("bad_wrong_namespace.qdc", "line 2: the namespace is 'urn:QDA-XML:project:1.0'"),
    ("bad_entity_expansion.qdc", "line 2: a DOCTYPE or entity declaration is not allowed"),
    ("bad_too_deep.qdc", "line 18: elements nest more than 16 levels deep"),
    ("bad_duplicate_guids.qdc", "Code 'Co-design' (line 6): GUID "
                                "AF905162-7384-4506-97C8-D9E0F1A2B3C4 is also the GUID of the "
                                "element on line 5"),
    ("bad_empty_name.qdc", "Code (line 5): the code has no name"),
]


@pytest.mark.parametrize(("name", "message"), BAD_FILES)
def test_bad_qdc_file_is_refused_naming_file_and_place_and_nothing_is_stored(
        db, tmp_path, name, message):
    path = tmp_path / name
    shutil.copy(DATA / name, path)

    with pytest.raises(ImportFailed) as refused:
        codebook_import(path=path, review_slug="refused")

    assert f"{name}: {message}" in str(refused.value)
    assert not Review.objects.filter(slug="refused").exists()
    assert (Codebook.objects.count(), Section.objects.count(), Attribute.objects.count()) == (
        0, 0, 0)


def test_import_codebook_command_refuses_a_bad_qdc_with_its_place(db, tmp_path):
    path = tmp_path / "bad_duplicate_guids.qdc"
    shutil.copy(DATA / "bad_duplicate_guids.qdc", path)

    with pytest.raises(CommandError, match=r"Nothing imported\. .*bad_duplicate_guids\.qdc: "
                                           r"Code 'Co-design' \(line 6\)"):
        call_command("import_codebook", str(path), "--review", "refused")

    assert not Review.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="P" '
     b'isCodable="true"/></Codes></CodeBook>', "Code 'P' (line 1): 'guid' 'x' is not a GUID"),
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',
     "line 1: <Codes> holds no <Code>"),
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code '
     b'guid="9e8f4051-6273-44f5-86b7-c8d9e0f1a2b3" name="P" isCodable="yes"/></Codes>'
     b'</CodeBook>', "Code 'P' (line 1): 'isCodable' must be true or false"),
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0">\n<Codes>\n<Code '
     b'guid="9e8f4051-6273-44f5-86b7-c8d9e0f1a2b3" name="P" isCodable="false">\n'
     b'<Code guid="af905162-7384-4506-97c8-d9e0f1a2b3c4" name="C" isCodable="true"/>\n'
     b'<Description>After its codes</Description>\n</Code>\n</Codes>\n</CodeBook>',
     "Code 'P' (line 3): does not follow the REFI-QDA codebook schema: Unexpected child "
     "with tag 'Description'"),
    (b'<Project xmlns="urn:QDA-XML:project:1.0"/>', "line 1: the root element is <Project>"),
    (b"", "file: the file is empty"),
])
def test_qdc_problems_are_named_with_their_place(data, message):
    with pytest.raises(QdcInvalid) as refused:
        qdc_to_codebook(data, name="codes.qdc")

    assert f"codes.qdc: {message}" in refused.value.messages[0]


def test_a_file_over_the_size_limit_is_refused_before_parsing(settings, monkeypatch):
    monkeypatch.setattr("coding.reviews.qdc.QDC_MAX_SIZE", 100)
    data = (DATA / "nvivo_codebook.qdc").read_bytes()

    with pytest.raises(QdcInvalid, match="codes.qdc: file: larger than"):
        qdc_to_codebook(data, name="codes.qdc")


def test_our_settings_set_is_readable_data_not_a_comment(db, tmp_path):
    codebook = _codebook(EVERY_KIND, tmp_path, "settings")
    root = ET.fromstring(codebook_to_qdc(codebook_as_dict(codebook)))

    (settings_set,) = root.findall("q:Sets/q:Set", NS)
    settings = json.loads(settings_set.find("q:Description", NS).text)

    assert settings["title"] == "Every kind"
    assert settings["attributes"][attribute_guid("intensity")] == {
        "key": "intensity", "kind": "single", "level": "ordinal", "required": True}
    assert len(settings_set.findall("q:MemberCode", NS)) == 6


def test_the_import_page_takes_a_qdc_codebook_and_refuses_a_bad_one(client, review, lead,
                                                                     settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(lead)
    for name in ("nvivo_codebook.qdc", "bad_duplicate_guids.qdc"):
        client.post(reverse("coding:imports", args=[review.slug]), {
            "kind": "codebook",
            "file": SimpleUploadedFile(name, (DATA / name).read_bytes()),
        })
    good, bad = ImportJob.objects.order_by("id")
    import_job_check(job_id=good.pk)
    import_job_check(job_id=bad.pk)
    good.refresh_from_db()
    bad.refresh_from_db()

    # The review's codebook changes shape, so a new version (dry run: nothing written yet).
    assert good.status == ImportStatus.CHECKED, good.error
    assert bad.status == ImportStatus.REFUSED
    assert "bad_duplicate_guids.qdc" in bad.error and "Code 'Co-design' (line 6)" in bad.error
    assert review.codebooks.count() == 1


def test_the_editors_file_loader_reads_qdc_and_names_the_place_of_a_problem():
    data = (DATA / "qualcoder_codebook.qdc").read_bytes()

    book = codebook_file_load("qualcoder_codebook.qdc", data)
    assert book["title"] == "qualcoder_codebook"
    assert [s["title"] for s in book["sections"]] == ["Codes", "Outcomes"]

    with pytest.raises(ImportFailed, match=r"bad_empty_name\.qdc: Code \(line 5\): the code "
                                           r"has no name"):
        codebook_file_load("bad_empty_name.qdc", (DATA / "bad_empty_name.qdc").read_bytes())


def test_qualcoders_old_namespace_is_read_as_the_standard_one():
    data = (DATA / "qualcoder_codebook.qdc").read_bytes().replace(
        b'xmlns="urn:QDA-XML:codebook:1.0"', b'xmlns="urn:QDA-XML:codebook:1:0"')

    book = qdc_to_codebook(data, name="old.qdc")

    assert book == qdc_to_codebook((DATA / "qualcoder_codebook.qdc").read_bytes(),
                                   name="old.qdc")


def test_help_text_keeps_its_line_ends_and_characters_xml_would_change():
    book = {"title": "Ends", "sections": [{"title": "S", "attributes": [{
        "key": "a", "label": "A <b> & \"c\"", "kind": "boolean",
        "help": "Line one\r\nline two\rthree\n\tindented & <escaped>", "required": False,
        "level": "nominal", "options": [],
    }]}]}

    assert qdc_to_codebook(codebook_to_qdc(book), name="ends.qdc") == book


def test_api_downloads_the_codebook_as_qdc_that_imports_into_another_review(
        review, coder_a, tmp_path):
    api = APIClient()
    api.force_authenticate(coder_a)

    response = api.get(f"/api/reviews/{review.slug}/codebook/?format=qdc")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert 'filename="demo-codebook-v1.qdc"' in response["Content-Disposition"]
    assert qdc_schema().is_valid(ET.fromstring(response.content))
    copy = _import_qdc(tmp_path, response.content, "from-api")
    assert codebook_as_dict(copy) == codebook_as_dict(review.current_codebook())


def test_the_editor_opens_a_qdc_as_a_proposal_and_saves_nothing(client, review, lead):
    client.force_login(lead)
    before = codebook_as_dict(review.current_codebook())
    url = f"/reviews/{review.slug}/codebook/open/"

    with (DATA / "nvivo_codebook.qdc").open("rb") as handle:
        answer = client.post(url, {"file": handle}, HTTP_ACCEPT="application/json").json()
    with (DATA / "bad_wrong_namespace.qdc").open("rb") as handle:
        refused = client.post(url, {"file": handle}, HTTP_ACCEPT="application/json")

    assert answer["ok"] and answer["file"] == "nvivo_codebook.qdc"
    proposal = answer["codebook"]["sections"][0]["attributes"]
    assert [(a["key"], a["kind"]) for a in proposal] == [("organisational", "multi"),
                                                          ("citizen_side", "multi")]
    assert refused.status_code == 400
    assert "line 2: the namespace is 'urn:QDA-XML:project:1.0'" in refused.json()["error"][
        "message"]
    assert codebook_as_dict(review.current_codebook()) == before


def test_the_practice_reviews_codebook_round_trips_through_the_commands(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_practice", verbosity=0)
    practice = Review.objects.get(slug=PRACTICE_SLUG)
    target = tmp_path / "practice.qdc"

    call_command("export_codebook", "--review", PRACTICE_SLUG, "--format", "qdc",
                 "--output", str(target))
    call_command("import_codebook", str(target), "--review", "practice-copy", stdout=io.StringIO())

    copy = Review.objects.get(slug="practice-copy").current_codebook()
    assert codebook_as_dict(copy) == codebook_as_dict(practice.current_codebook())
