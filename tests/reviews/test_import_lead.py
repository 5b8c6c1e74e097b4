"""The import commands' --lead: who leads a review an import creates, and what the command
says when no one does."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from coding.models import AuditEvent, Case, Membership, Review, Role
from tests import factories

CODEBOOK = Path(__file__).resolve().parents[2] / "fixtures" / "coproduction_codebook.yaml"
CASES = "number,title,country,year,service_area,summary,source\n1,First,France,2020,,,\n"


@pytest.fixture
def cases_csv(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(CASES)
    return path


@pytest.fixture
def nora(db):
    return factories.UserFactory(username="nora")


def _run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def _leads(slug: str) -> list[str]:
    return list(Membership.objects.filter(review__slug=slug, role=Role.LEAD)
                .values_list("user__username", flat=True))


def test_import_codebook_with_lead_makes_that_account_lead_of_the_review_it_creates(nora):
    out = _run("import_codebook", str(CODEBOOK), review="mine", lead="nora")
    assert _leads("mine") == ["nora"]
    assert "Created review 'mine', unpublished, led by nora." in out
    assert not Review.objects.get(slug="mine").is_published
    event = AuditEvent.objects.get(action="membership.create")
    assert event.data == {"user": "nora", "role": "lead"} and event.actor is None
    assert AuditEvent.objects.get(action="review.create").data["lead"] == "nora"


def test_import_cases_with_lead_makes_that_account_lead_of_the_review_it_creates(nora,
                                                                               cases_csv):
    out = _run("import_cases", str(cases_csv), review="mine", create_review=True, lead="nora")
    assert _leads("mine") == ["nora"]
    assert "led by nora" in out and Case.objects.filter(review__slug="mine").count() == 1


@pytest.mark.parametrize("command", ["import_codebook", "import_cases"])
def test_without_lead_the_command_says_no_one_leads_the_review_and_how_to_add_one(
    db, command, cases_csv
):
    path = str(CODEBOOK if command == "import_codebook" else cases_csv)
    options = {"create_review": True} if command == "import_cases" else {}
    out = _run(command, path, review="mine", **options)
    assert _leads("mine") == []
    assert "no one leads it" in out
    assert f"python manage.py {command} {path} --review mine --lead USERNAME" in out
    assert "in the admin" in out


@pytest.mark.parametrize("command", ["import_codebook", "import_cases"])
def test_an_unknown_lead_is_refused_and_nothing_is_imported(db, command, cases_csv):
    path = str(CODEBOOK if command == "import_codebook" else cases_csv)
    options = {"create_review": True} if command == "import_cases" else {}
    with pytest.raises(CommandError, match="Nothing imported. --lead nobody: no account"):
        _run(command, path, review="mine", lead="nobody", **options)
    assert not Review.objects.exists() and not AuditEvent.objects.exists()


def test_lead_on_an_existing_review_adds_the_role_once_audited(nora, cases_csv):
    review = factories.ReviewFactory(slug="mine")
    factories.MembershipFactory(review=review, user=nora, role=Role.CODER)
    out = _run("import_cases", str(cases_csv), review="mine", lead="nora")
    assert "nora now leads review 'mine'." in out
    assert set(Membership.objects.filter(review=review, user=nora)
               .values_list("role", flat=True)) == {Role.CODER, Role.LEAD}
    again = _run("import_cases", str(cases_csv), review="mine", lead="nora")
    assert "leads" not in again
    assert AuditEvent.objects.filter(action="membership.create").count() == 1


def test_a_bad_slug_is_refused_before_a_review_is_created(nora):
    with pytest.raises(CommandError, match="review: .*slug"):
        _run("import_codebook", str(CODEBOOK), review="my review", lead="nora")
    assert not Review.objects.exists()
