"""scripts/api_example.py, run as the README says, against a live server."""

import os
import subprocess
import sys
from pathlib import Path

from rest_framework.authtoken.models import Token

from coding.models import (
    Assignment,
    CodedValue,
    Coding,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
)
from tests import factories

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "api_example.py"


def test_example_script_codes_adjudicates_and_reads_reliability(
    live_server, review, coder_a, coder_b, adjudicator, lead, settings
):
    # The live server's submissions commit: each queues a snapshot, computed at once here.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    for number in ("1", "2"):
        case = factories.CaseFactory(review=review, number=number)
        Assignment.objects.create(case=case, coder=coder_a)
        Assignment.objects.create(case=case, coder=coder_b)
    env = {
        **os.environ,
        "CODER_A_TOKEN": Token.objects.create(user=coder_a).key,
        "CODER_B_TOKEN": Token.objects.create(user=coder_b).key,
        "ADJUDICATOR_TOKEN": Token.objects.create(user=adjudicator).key,
        "LEAD_TOKEN": Token.objects.create(user=lead).key,
    }
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--base-url", live_server.url, "--review", "demo"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Case 1 of 'demo'" in out
    assert "coder B: submitted" in out
    assert "open disagreement(s)" in out
    assert "Reliability (alice, bob), computed " in out

    codings = Coding.objects.filter(case__number="1")
    assert sorted(c.status for c in codings) == ["submitted", "submitted"]
    disagreements = Disagreement.objects.filter(case__number="1")
    assert disagreements.exists()
    assert not disagreements.exclude(status=DisagreementStatus.RESOLVED).exists()
    # Every compared attribute (all but the text one) has its consensus value.
    assert set(ConsensusValue.objects.filter(case__number="1")
               .values_list("attribute__key", flat=True)) == {
        "level", "budget", "roles", "agreement"}
    # The raw codings keep what each coder chose.
    roles = CodedValue.objects.filter(coding__case__number="1", attribute__key="roles")
    assert sorted(len(value.options.all()) for value in roles) == [1, 2]

    again = subprocess.run(
        [sys.executable, str(SCRIPT), "--base-url", live_server.url, "--review", "demo"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert "Case 2 of 'demo'" in again.stdout


def test_example_script_reports_api_errors_plainly(live_server, review, coder_a):
    env = {**os.environ, "CODER_A_TOKEN": "wrong", "CODER_B_TOKEN": "wrong",
           "ADJUDICATOR_TOKEN": "wrong", "LEAD_TOKEN": "wrong"}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--base-url", live_server.url, "--review", "demo"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "401: Invalid token." in result.stderr
