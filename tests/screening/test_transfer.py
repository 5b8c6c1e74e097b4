"""Screening decisions out as long CSV and back in: the same decisions; a bad file names its
row and reason and imports nothing."""

import pytest
from django.core.management import CommandError, call_command

from coding.models import ScreeningAssignment, ScreeningDecision, ScreeningOutcome
from coding.screening.services import screening_assign
from tests.screening.conftest import decide


def _export(tmp_path, *extra) -> str:
    out = tmp_path / "decisions.csv"
    call_command("export_screening", "--review", "demo", "--output", str(out), *extra)
    return out.read_text()


def test_decisions_survive_a_round_trip(assigned, coder_a, coder_b, lead, tmp_path):
    decide(assigned[0], coder_a, "include")
    decide(assigned[0], coder_b, "include")
    decide(assigned[1], coder_a, "exclude")
    decide(assigned[1], coder_b, "maybe")
    decide(assigned[2], coder_a, "maybe")
    screening_assign(review=assigned[0].review, user=lead, stage="full_text",
                     screeners=[coder_a, coder_b])
    decide(assigned[0], coder_a, "exclude", "full_text", "no-outcomes")
    text = _export(tmp_path)
    assert text.splitlines()[0] == "record,screener,stage,decision,reason"
    assert "R1,alice,full_text,exclude,no-outcomes" in text
    before = set(ScreeningDecision.objects.values_list(
        "record_id", "screener__username", "stage", "decision", "reason__key"))
    ScreeningDecision.objects.all().delete()
    ScreeningOutcome.objects.all().delete()
    ScreeningAssignment.objects.all().delete()
    call_command("import_screening", str(tmp_path / "decisions.csv"), "--review", "demo")
    after = set(ScreeningDecision.objects.values_list(
        "record_id", "screener__username", "stage", "decision", "reason__key"))
    assert after == before
    assert ScreeningOutcome.objects.get(record=assigned[0], stage="title_abstract").method == (
        "agreed")
    assert _export(tmp_path) == text


@pytest.mark.parametrize("row, message", [
    ("R9,alice,title_abstract,include,", "row 3: no record 'R9'"),
    ("R2,alice,abstract,include,", "row 3: unknown stage 'abstract'"),
    ("R2,alice,title_abstract,perhaps,", "row 3: unknown decision 'perhaps'"),
    ("R2,lena,title_abstract,include,", "row 3: lena: only members with the coder role"),
    ("R1,alice,title_abstract,exclude,", "row 3: record R1, screener alice, stage "
                                         "title_abstract already appears in row 2"),
])
def test_a_bad_file_names_the_row_and_imports_nothing(assigned, tmp_path, row, message,
                                                      coder_a, coder_b):
    path = tmp_path / "bad.csv"
    path.write_text(f"record,screener,stage,decision,reason\nR1,alice,title_abstract,include,"
                    f"\n{row}\n")
    with pytest.raises(CommandError) as failed:
        call_command("import_screening", str(path), "--review", "demo")
    assert "Nothing imported." in str(failed.value)
    assert message in str(failed.value)
    assert not ScreeningDecision.objects.exists()


def test_a_refused_decision_rolls_back_the_whole_file(assigned, tmp_path, coder_a, coder_b):
    path = tmp_path / "bad.csv"
    # Record 1 is included by rows 2 and 3, so it reaches full text; record 3 does not.
    path.write_text("record,screener,stage,decision,reason\n"
                    "R1,alice,title_abstract,include,\nR1,bob,title_abstract,include,\n"
                    "R1,alice,full_text,include,\nR3,alice,full_text,include,\n")
    with pytest.raises(CommandError, match="row 5: record R3 is not screened at stage"):
        call_command("import_screening", str(path), "--review", "demo")
    assert not ScreeningDecision.objects.exists()
    assert not ScreeningOutcome.objects.exists()


def test_the_export_as_a_screener_leaves_out_what_they_are_blind_on(assigned, coder_a,
                                                                     coder_b, tmp_path):
    decide(assigned[0], coder_b, "include")
    decide(assigned[1], coder_b, "include")
    decide(assigned[1], coder_a, "include")
    text = _export(tmp_path, "--as", "alice")
    assert "R2,bob" in text and "R1,bob" not in text
