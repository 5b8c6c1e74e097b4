import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count

from coding.models import Attribute, Case, Codebook, Coding, Review
from coding.reviews.importers import ImportFailed, cases_import, codebook_as_dict, codebook_import
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TABLE_1 = FIXTURES / "coproduction_cases.csv"
CODEBOOK = FIXTURES / "coproduction_codebook.yaml"
HEADER = "number,title,country,year,service_area,summary,source\n"


def test_bundled_review_matches_table_1_row_for_row(coproduction):
    # Table 1's lines copied verbatim from the paper's text (shared/seeds/000_46f6c5d65911d46b.txt).
    paper = Path(__file__).parent / "data" / "table1_as_printed.tsv"
    printed = [
        line.split("\t") for line in paper.read_text().splitlines()
        if len(line.split("\t")) == 5 and line.split("\t")[0].isdigit()
    ]
    cases = list(coproduction.cases.prefetch_related("service_areas"))
    assert len(printed) == len(cases) == 56
    for (number, title, country, year, area), case in zip(printed, cases, strict=True):
        assert (case.number, case.title, case.country) == (number, title, country)
        assert case.year == (None if year == "Unknown" else int(year))
        areas = sorted(a.name for a in case.service_areas.all())
        two = area == "Public safety and health"
        expected = ["Public health", "Public safety"] if two else [area]
        assert areas == expected


def test_bundled_review_counts(coproduction):
    assert coproduction.is_published
    assert coproduction.cases.filter(country="UK").count() == 31
    assert coproduction.cases.filter(country="Sweden").count() == 5
    assert coproduction.cases.filter(service_areas__name="Health care").count() == 15
    assert coproduction.cases.filter(year__isnull=True).count() == 2
    # Derived from Table 1's countries. (The paper's text says 49 Europe / 2 North America /
    # 5 Asia, which its own table does not bear out; Oceania and South America go unmentioned.)
    regions = dict(coproduction.cases.values_list("region").annotate(n=Count("id")))
    assert regions == {
        "Europe": 48, "North America": 2, "South America": 1, "Asia": 3, "Oceania": 2
    }
    assert not coproduction.cases.filter(region="").exists()


def test_bundled_codebook_has_the_papers_scheme(coproduction):
    codebook = coproduction.current_codebook()
    keys = list(codebook.attributes.values_list("key", flat=True))
    assert keys == [
        "main_topic", "level", "service_setting", "coproduction_type", "citizen_roles",
        "factors", "formal_agreement", "participation_tools", "participants",
        "partnership_forms", "values", "outcomes",
    ]
    roles = codebook.attributes.get(key="citizen_roles")
    assert roles.kind == "multi"
    assert list(roles.options.values_list("key", flat=True)) == [
        "co_commissioner", "co_deliverer", "co_assessor"
    ]
    # The five outcomes, and "No outcome reported".
    assert codebook.attributes.get(key="outcomes").options.filter(is_none=False).count() == 5
    assert all(a.help_text for a in codebook.attributes.all())


def test_load_coproduction_is_idempotent(coproduction):
    call_command("load_coproduction", verbosity=0)
    assert Review.objects.count() == 1
    assert Codebook.objects.count() == 1
    assert Case.objects.count() == 56


def test_codebook_yaml_round_trip(db):
    result = codebook_import(path=CODEBOOK, review_slug="round-trip")
    exported = codebook_as_dict(result.codebook)
    original = yaml.safe_load(CODEBOOK.read_text())
    assert exported["title"] == original["title"]
    for mine, theirs in zip(exported["sections"], original["sections"], strict=True):
        assert mine["title"] == theirs["title"]
        for a, b in zip(mine["attributes"], theirs["attributes"], strict=True):
            assert (a["key"], a["label"], a["kind"]) == (b["key"], b["label"], b["kind"])
            assert a["options"] == b.get("options", [])
            assert a["required"] == b.get("required", False)
    # Importing the exported form again changes nothing.
    again = FIXTURES.parent / "tests" / "_tmp_roundtrip.yaml"
    try:
        again.write_text(yaml.safe_dump(exported))
        assert codebook_import(path=again, review_slug="round-trip").outcome == "unchanged"
    finally:
        again.unlink()


def test_changed_codebook_becomes_new_version_once_codings_exist(db, tmp_path, coder_a):
    first = codebook_import(path=CODEBOOK, review_slug="versions")
    case = factories.CaseFactory(review=first.review)
    Coding.objects.create(case=case, coder=coder_a, codebook=first.codebook)
    changed = yaml.safe_load(CODEBOOK.read_text())
    # An option key is what codings store (wording alone updates in place: tests/none_option).
    changed["sections"][0]["attributes"][1]["options"][0]["key"] = "federal"
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump(changed))

    result = codebook_import(path=path, review_slug="versions")

    assert result.outcome == "new version"
    assert result.codebook.version == 2
    assert first.review.current_codebook() == result.codebook
    # The coding still points at the attributes it was made under.
    assert Attribute.objects.filter(codebook=first.codebook).count() == 12
    assert Coding.objects.get().codebook == first.codebook


def test_changed_codebook_replaces_unused_version(db, tmp_path):
    codebook_import(path=CODEBOOK, review_slug="unused")
    changed = yaml.safe_load(CODEBOOK.read_text())
    changed["sections"].pop()
    path = tmp_path / "smaller.yaml"
    path.write_text(yaml.safe_dump(changed))
    result = codebook_import(path=path, review_slug="unused")
    assert (result.outcome, result.codebook.version) == ("updated", 1)
    assert result.codebook.attributes.count() == 11


@pytest.mark.parametrize(
    "mutate, where, reason",
    [
        (lambda d: d["sections"][1]["attributes"][1].update(kind="radio"),
         "section 2 (Coproduction type and role of citizens), attribute 2 (citizen_roles)",
         "'kind' must be one of"),
        (lambda d: d["sections"][2]["attributes"][0].pop("options"),
         "attribute 1 (factors)", "needs a list of 'options'"),
        (lambda d: d["sections"][3]["attributes"][0].update(key="level"),
         "attribute 1 (level)", "used twice"),
    ],
)
def test_bad_codebook_names_the_place_and_writes_nothing(db, tmp_path, mutate, where, reason):
    data = yaml.safe_load(CODEBOOK.read_text())
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CommandError) as error:
        call_command("import_codebook", str(path), review="bad")
    assert str(path) in str(error.value) and where in str(error.value)
    assert reason in str(error.value)
    assert not Review.objects.exists() and not Codebook.objects.exists()


def _write_cases(path, rows):
    path.write_text(HEADER + "".join(rows))
    return path


def test_cases_csv_with_bad_row_in_middle_imports_nothing(db, tmp_path):
    codebook_import(path=CODEBOOK, review_slug="csv")
    path = _write_cases(tmp_path / "cases.csv", [
        "1,First case,UK,2001,Health care,,\n",
        "2,Second case,Sweden,nineteen,Education,,\n",
        "3,Third case,Japan,,Childcare;Education,,\n",
    ])
    with pytest.raises(CommandError) as error:
        call_command("import_cases", str(path), review="csv")
    message = str(error.value)
    assert str(path) in message and "row 3" in message and "'year'" in message
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "row, reason",
    [
        (",No number,UK,2001,Health care,,\n", "'number' is empty"),
        ("2,,UK,2001,Health care,,\n", "'title' is empty"),
        ("2,Long number,UK,2001,Health care,,\n".replace("2", "9" * 21, 1), "longer than 20"),
        ("1,Duplicate,UK,2001,Health care,,\n", "already appears in row 2"),
        ("2,Too old,UK,1066,Health care,,\n", "outside 1800-2100"),
    ],
)
def test_cases_csv_errors_name_row_and_reason(db, tmp_path, row, reason):
    codebook_import(path=CODEBOOK, review_slug="csv")
    path = _write_cases(tmp_path / "cases.csv", ["1,Good,UK,2001,Health care,,\n", row])
    with pytest.raises(ImportFailed) as error:
        cases_import(path=path, review_slug="csv")
    assert error.value.where == "row 3" and reason in error.value.reason
    assert Case.objects.count() == 0


def test_cases_csv_missing_column_is_refused(db, tmp_path):
    codebook_import(path=CODEBOOK, review_slug="csv")
    path = tmp_path / "cases.csv"
    path.write_text("number,title,country\n1,A,UK\n")
    with pytest.raises(ImportFailed, match="missing column"):
        cases_import(path=path, review_slug="csv")


def test_reimporting_cases_updates_by_number(db, tmp_path):
    codebook_import(path=CODEBOOK, review_slug="csv")
    path = _write_cases(tmp_path / "cases.csv", [
        "1,First case,UK,2001,Health care,,\n",
        "K02,Second case,Sweden,,Education;Culture,A summary,https://example.org\n",
    ])
    assert cases_import(path=path, review_slug="csv").created == 2
    again = cases_import(path=path, review_slug="csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    _write_cases(path, ["1,First case renamed,UK,2001,Health care,,\n"])
    changed = cases_import(path=path, review_slug="csv")
    assert (changed.created, changed.updated) == (0, 1)
    assert Case.objects.count() == 2
    assert Case.objects.get(number="1").title == "First case renamed"
    k02 = Case.objects.get(number="K02")
    assert k02.year is None and k02.region == "Europe"
    assert sorted(a.name for a in k02.service_areas.all()) == ["Culture", "Education"]


def test_case_numbers_are_unique_within_a_review(db):
    one, two = factories.ReviewFactory(), factories.ReviewFactory()
    factories.CaseFactory(review=one, number="7")
    factories.CaseFactory(review=two, number="7")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CaseFactory(review=one, number="7")


def test_one_coding_per_coder_per_case(review, coder_a):
    case = factories.CaseFactory(review=review)
    factories.CodingFactory(case=case, coder=coder_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Coding.objects.create(case=case, coder=coder_a, codebook=review.current_codebook())


def test_submitted_coding_needs_submission_time(review, coder_a):
    case = factories.CaseFactory(review=review)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.CodingFactory(case=case, coder=coder_a, status="submitted", submitted_at=None)


def test_adjudicated_consensus_needs_rationale(review, adjudicator):
    from django.utils import timezone

    from coding.models import ConsensusValue

    case = factories.CaseFactory(review=review)
    attribute = review.current_codebook().attributes.get(key="level")
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsensusValue.objects.create(
            case=case, attribute=attribute, method="adjudicated", decided_by=adjudicator,
            decided_at=timezone.now(), rationale="",
        )


def _settings_process(**env):
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; "
         "django.setup(); print(settings.DEBUG)"],
        cwd=ROOT, capture_output=True, text=True,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "coproduction.settings", **env},
    )


def test_production_refuses_the_default_secret_key():
    result = _settings_process(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_is_off_unless_set():
    """Without DEBUG in the environment the settings are production's: they refuse the
    development key, and with a real one DEBUG is False."""
    refused = _settings_process()
    assert refused.returncode != 0
    assert "DEBUG is off (the default)" in refused.stderr
    started = _settings_process(SECRET_KEY="x" * 50)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "False"
    assert _settings_process(DEBUG="1").stdout.strip() == "True"


def test_production_starts_with_a_real_secret_key():
    result = _settings_process(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_database_url_selects_postgres():
    from coproduction.settings import database_from_url

    db = database_from_url("postgresql://me:s%40cret@db.example.org:5433/reviews?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], str(db["PORT"])) == (
        "reviews", "me", "s@cret", "db.example.org", "5433"
    )
    assert db["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off"}
    assert database_from_url("sqlite:////tmp/x.db")["NAME"] == "/tmp/x.db"


def test_postgresql_connections_run_without_jit_unless_the_url_turns_it_on(db):
    from coproduction.settings import database_from_url

    other = database_from_url("postgresql://me@db/reviews?options=-c%20statement_timeout%3D5000")
    assert other["OPTIONS"]["options"] == "-c jit=off -c statement_timeout=5000"
    asked = database_from_url("postgresql://me@db/reviews?options=-c%20jit%3Don")
    assert asked["OPTIONS"]["options"] == "-c jit=on"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone() == ("off",)


def test_sign_in_and_out(client, coder_a):
    credentials = {"username": "alice", "password": factories.PASSWORD}
    response = client.post("/accounts/login/", credentials)
    assert response.status_code == 302
    page = client.get("/")
    assert b"Sign out" in page.content and b"Demo review" in page.content
    client.post("/accounts/logout/")
    assert b"Sign in" in client.get("/").content


def test_wrong_password_is_refused(client, coder_a):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_password_change_page_uses_site_layout(client, coder_a):
    client.force_login(coder_a)
    response = client.get("/accounts/password_change/")
    assert response.status_code == 200
    assert b"app.css" in response.content and b"Change password" in response.content


def test_admin_lists_cases_for_staff(admin_client, coproduction):
    response = admin_client.get("/admin/coding/case/?country=UK")
    assert response.status_code == 200
    assert b"31 cases" in response.content
    attribute = coproduction.current_codebook().attributes.get(key="citizen_roles")
    page = admin_client.get(f"/admin/coding/attribute/{attribute.pk}/change/")
    assert page.status_code == 200 and b"Co-deliverer" in page.content


def test_shipped_csv_has_56_rows():
    with TABLE_1.open() as handle:
        assert len(list(csv.DictReader(handle))) == 56


def test_home_links_an_adjudicator_to_the_adjudication_queue(client, review, adjudicator):
    client.force_login(adjudicator)
    page = client.get("/").content.decode()
    assert f'href="/reviews/{review.slug}/adjudication/"' in page
    assert "Your role: Adjudicator" in page


def test_codebook_keys_need_not_be_lowercase_slugs(db, tmp_path):
    # Other teams' codebooks use keys such as "Q1_Level" and option keys such as "1" or
    # "Co-Deliverer"; only ';' (the CSV separator) is refused in an option key.
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump({"title": "Other", "sections": [{"title": "S", "attributes": [
        {"key": "Q1_Level", "label": "Level", "kind": "single",
         "options": [{"key": "1", "label": "One"}, {"key": "Co-Deliverer", "label": "CD"},
                     {"key": "a b", "label": "Spaced"}]},
    ]}]}))
    result = codebook_import(path=path, review_slug="other")
    attribute = result.codebook.attributes.get()
    assert attribute.key == "Q1_Level"
    assert list(attribute.options.values_list("key", flat=True)) == ["1", "Co-Deliverer", "a b"]


@pytest.mark.parametrize(
    "attribute_key, option_key, reason",
    [
        ("level one", "1", "'key' must be letters, digits, '-' or '_'"),
        ("level", "a;b", "may not contain ';'"),
    ],
)
def test_codebook_refuses_keys_that_break_urls_or_csv(db, tmp_path, attribute_key, option_key,
                                                       reason):
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump({"title": "Bad", "sections": [{"title": "S", "attributes": [
        {"key": attribute_key, "label": "L", "kind": "single",
         "options": [{"key": option_key, "label": "O"}]},
    ]}]}))
    with pytest.raises(ImportFailed, match=reason):
        codebook_import(path=path, review_slug="bad")
    assert not Review.objects.exists()


def test_case_number_with_a_slash_is_refused(db, tmp_path):
    codebook_import(path=CODEBOOK, review_slug="csv")
    path = _write_cases(tmp_path / "cases.csv", ["1/2,Slashed,UK,2001,Health care,,\n"])
    with pytest.raises(ImportFailed, match="may not contain '/'"):
        cases_import(path=path, review_slug="csv")


def test_cases_with_unknown_country_and_area_import(db, tmp_path):
    codebook_import(path=CODEBOOK, review_slug="csv")
    path = _write_cases(tmp_path / "cases.csv", ["U1,Unit one,,,,,\n"])
    assert cases_import(path=path, review_slug="csv").created == 1
    case = Case.objects.get(number="U1")
    assert (case.country, case.region, case.year, case.service_areas.count()) == ("", "", None, 0)
