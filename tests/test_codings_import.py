"""import_codings, export_codings and export_consensus."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from coding.adjudication.services import disagreement_resolve
from coding.models import (
    Assignment,
    AuditEvent,
    CodedValue,
    Coding,
    CodingStatus,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Membership,
    Role,
)
from coding.reliability.selectors import reliability_data, reliability_rows
from tests import factories

HEADER = "case,coder,attribute,value\n"
GOOD = HEADER + (
    "1,alice,level,local\n"
    "1,alice,roles,deliverer;assessor\n"
    "1,alice,budget,100\n"
    "1,alice,agreement,yes\n"
    "1,alice,topic,Meals on wheels\n"
    "1,dora,level,state\n"
    "1,dora,roles,\n"
    "1,dora,budget,100.0\n"
    "1,dora,agreement,TRUE\n"
    "1,erik,level,local\n"
    "2,dora,level,national\n"
    "2,alice,level,national\n"
    "2,alice,roles,commissioner\n"
)


@pytest.fixture
def cases(review):
    return [factories.CaseFactory(review=review, number=str(n)) for n in (1, 2, 3)]


def _write(tmp_path, text, name="codings.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _import(path, review="demo"):
    out = io.StringIO()
    call_command("import_codings", str(path), review=review, stdout=out)
    return out.getvalue()


def _values(case_number, username):
    coding = Coding.objects.get(case__number=case_number, coder__username=username)
    return {
        v.attribute.key: (sorted(o.key for o in v.options.all()), v.number, v.boolean, v.text)
        for v in coding.values.prefetch_related("options").select_related("attribute")
    }


def test_import_creates_submitted_codings_accounts_and_assignments(tmp_path, cases, coder_a):
    summary = _import(_write(tmp_path, GOOD))

    assert Coding.objects.count() == 5
    assert not Coding.objects.exclude(status=CodingStatus.SUBMITTED).exists()
    assert _values("1", "alice") == {
        "level": (["local"], None, None, ""),
        "roles": (["assessor", "deliverer"], None, None, ""),
        "budget": ([], 100.0, None, ""),
        "agreement": ([], None, True, ""),
        "topic": ([], None, None, "Meals on wheels"),
    }
    # An empty multiple-choice value is "none chosen"; a missing row is "not coded".
    assert _values("1", "dora")["roles"] == ([], None, None, "")
    assert "roles" not in _values("2", "dora")
    User = get_user_model()
    for name in ("dora", "erik"):
        user = User.objects.get(username=name)
        assert not user.has_usable_password()
        assert Membership.objects.filter(user=user, role=Role.CODER, review__slug="demo").exists()
    assert "New coder accounts (no usable password; set one in the admin): dora, erik" in summary
    assert "5 created" in summary
    # The first two coders of each case in file order are assigned.
    assert [a.coder.username for a in Assignment.objects.filter(case=cases[0])
            .order_by("assigned_at", "id")] == ["alice", "dora"]
    assert [a.coder.username for a in Assignment.objects.filter(case=cases[1])
            .order_by("assigned_at", "id")] == ["dora", "alice"]
    assert AuditEvent.objects.filter(action="coding.import").count() == 5


def test_imported_codings_go_through_disagreement_detection(tmp_path, cases, coder_a):
    _import(_write(tmp_path, GOOD))

    # Case 1: alice vs dora (erik is a third coder, not compared).
    assert set(Disagreement.objects.filter(case=cases[0]).values_list(
        "attribute__key", flat=True)) == {"level", "roles"}
    assert set(ConsensusValue.objects.filter(case=cases[0]).values_list(
        "attribute__key", flat=True)) == {"budget", "agreement"}
    # Case 2: dora (A) vs alice (B): level agreed, roles chosen only by alice.
    assert ConsensusValue.objects.get(case=cases[1], attribute__key="level").method == "agreed"
    disagreement = Disagreement.objects.get(case=cases[1])
    assert disagreement.attribute.key == "roles"
    assert disagreement.coding_a.coder.username == "dora"


def test_reliability_uses_every_coder_of_a_case(tmp_path, cases, coder_a, review):
    _import(_write(tmp_path, GOOD))

    data = reliability_data(review=review)

    assert data.tables["level"]["1"] == {"alice": "local", "dora": "state", "erik": "local"}


def test_reimporting_the_same_file_duplicates_nothing(tmp_path, cases, coder_a):
    path = _write(tmp_path, GOOD)
    _import(path)
    counts = (Coding.objects.count(), CodedValue.objects.count(), Assignment.objects.count(),
              Disagreement.objects.count(), ConsensusValue.objects.count(),
              AuditEvent.objects.count(), get_user_model().objects.count())

    summary = _import(path)

    assert "0 created, 0 updated, 5 unchanged" in summary
    assert counts == (Coding.objects.count(), CodedValue.objects.count(),
                      Assignment.objects.count(), Disagreement.objects.count(),
                      ConsensusValue.objects.count(), AuditEvent.objects.count(),
                      get_user_model().objects.count())


def test_a_corrected_file_updates_the_codings_it_names(tmp_path, cases, coder_a):
    _import(_write(tmp_path, GOOD))
    before = Coding.objects.get(case__number="1", coder__username="dora").version

    summary = _import(_write(tmp_path, GOOD.replace("1,dora,level,state", "1,dora,level,local")))

    assert "0 created, 1 updated, 4 unchanged" in summary
    dora = Coding.objects.get(case__number="1", coder__username="dora")
    assert dora.version == before + 1
    assert _values("1", "dora")["level"] == (["local"], None, None, "")
    # The coders now agree on level: the open disagreement gives way to an agreed value.
    assert not Disagreement.objects.filter(case__number="1", attribute__key="level").exists()
    assert ConsensusValue.objects.get(case__number="1", attribute__key="level").method == "agreed"


@pytest.mark.parametrize(
    "line, reason",
    [
        ("9,bob,level,local", "row 3: unknown case number '9'"),
        ("1,bob,size,3", "row 3: unknown attribute key 'size'"),
        ("1,bob,level,regional", "row 3: unknown option 'regional' for attribute 'level'"),
        ("1,bob,roles,deliverer;funder", "row 3: unknown option 'funder'"),
        ("1,bob,level,local;state", "row 3: 'level' is a single-choice attribute but the value "
                                    "has 2 keys"),
        ("1,alice,level,state", "row 3: case 1, coder alice, attribute level already appears "
                                "in row 2"),
        ("1,bob,budget,lots", "row 3: 'budget' needs a number, got 'lots'"),
        ("1,bob,agreement,maybe", "row 3: 'agreement' needs yes/no"),
        ("1,,level,local", "row 3: coder '' must be a name of 1 to 150 printable characters"),
        (f"1,{'b' * 151},level,local", "must be a name of 1 to 150 printable characters"),
        ("1,bob,level,local,extra", "row 3: more fields than the header has columns"),
    ],
)
def test_a_bad_row_imports_nothing_and_names_file_row_and_reason(
    tmp_path, cases, coder_a, line, reason
):
    path = _write(tmp_path, HEADER + "1,alice,level,local\n" + line + "\n")
    users = get_user_model().objects.count()

    with pytest.raises(CommandError) as error:
        _import(path)

    assert str(error.value).startswith(f"Nothing imported. {path}: ")
    assert reason in str(error.value)
    assert not Coding.objects.exists()
    assert get_user_model().objects.count() == users


def test_a_file_without_the_header_is_refused(tmp_path, cases):
    with pytest.raises(CommandError, match="row 1: missing column"):
        _import(_write(tmp_path, "case,coder,value\n1,alice,local\n"))


def test_import_refuses_to_overwrite_a_draft_in_the_app(tmp_path, cases, coder_a):
    factories.coding_with_values(case=cases[0], coder=coder_a, values={"level": "state"},
                                 submitted=False)

    with pytest.raises(CommandError, match="alice has a draft coding of case 1"):
        _import(_write(tmp_path, GOOD))

    assert Coding.objects.count() == 1
    assert _values("1", "alice") == {"level": (["state"], None, None, "")}


def test_export_codings_writes_the_long_csv_of_submitted_codings(tmp_path, cases, coder_a,
                                                                  coder_b):
    _import(_write(tmp_path, GOOD))
    factories.coding_with_values(case=cases[2], coder=coder_b, values={"level": "local"},
                                 submitted=False)
    out = io.StringIO()

    call_command("export_codings", review="demo", stdout=out)

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["case", "coder", "attribute", "value", "evidence", "evidence_document",
                       "evidence_page", "evidence_start", "evidence_end"]
    assert all(row[4:] == ["", "", "", "", ""] for row in rows[1:])  # no evidence imported
    rows = [row[:4] for row in rows]
    assert rows[1:6] == [
        ["1", "alice", "level", "local"],
        ["1", "alice", "topic", "Meals on wheels"],
        ["1", "alice", "budget", "100"],
        ["1", "alice", "roles", "deliverer;assessor"],
        ["1", "alice", "agreement", "yes"],
    ]
    assert ["1", "dora", "roles", ""] in rows
    assert not any(row[0] == "3" for row in rows)  # bob's draft is not exported
    assert len(rows) == 1 + 13


def test_export_then_import_into_a_fresh_review_gives_identical_reliability(
    tmp_path, cases, coder_a, review
):
    _import(_write(tmp_path, GOOD))
    exported = tmp_path / "exported.csv"
    call_command("export_codings", review="demo", output=str(exported), stderr=io.StringIO())
    fresh = factories.ReviewFactory(slug="fresh")
    factories.codebook_for(fresh)
    for n in (1, 2, 3):
        factories.CaseFactory(review=fresh, number=str(n))

    _import(exported, review="fresh")

    original = reliability_rows(data=reliability_data(review=review), n_boot=100)
    copy = reliability_rows(data=reliability_data(review=fresh), n_boot=100)
    assert copy == original
    again = io.StringIO()
    call_command("export_codings", review="fresh", stdout=again)
    assert again.getvalue() == exported.read_text()


def test_export_consensus_has_one_row_per_case_and_settled_values_only(
    tmp_path, cases, coder_a, adjudicator
):
    _import(_write(tmp_path, GOOD))
    roles = Disagreement.objects.get(case__number="1", attribute__key="roles")
    disagreement_resolve(disagreement=roles, user=adjudicator, choice="a",
                         rationale="Both roles are in the text.", expected_version=0)
    out = io.StringIO()

    call_command("export_consensus", review="demo", stdout=out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == ["case", "level", "budget", "roles", "agreement"]
    assert [r["case"] for r in rows] == ["1", "2", "3"]
    assert rows[0] == {"case": "1", "level": "", "budget": "100", "roles": "deliverer;assessor",
                       "agreement": "yes"}  # level is still an open disagreement
    assert rows[1]["level"] == "national" and rows[1]["roles"] == ""
    assert set(rows[2].values()) == {"3", ""}
    assert Disagreement.objects.get(pk=roles.pk).status == DisagreementStatus.RESOLVED


def test_coder_names_that_are_not_usernames_are_kept(tmp_path, cases):
    _import(_write(tmp_path, HEADER + "1,Coder 1,level,local\n1,Coder 2,level,state\n"))

    assert set(Coding.objects.values_list("coder__username", flat=True)) == {"Coder 1", "Coder 2"}
    assert Disagreement.objects.get().coding_a.coder.username == "Coder 1"

