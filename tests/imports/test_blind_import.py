"""A lead who codes a case is blind on it on the Import page too: a codings file they upload
never tells them whether the other coder of such a case has a coding (none, a draft, a
submitted one), nor overwrites it. The dry run's counts and lists, its refusal, the confirmed
import's result and the audit log read the same whatever the other coder did meanwhile; a row
naming anyone else's coding of the case is refused with a message that names the row only."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from coding.codings.policies import import_codings_refused
from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.codings.transfer import codings_import
from coding.fileio import ImportFailed
from coding.imports.services import import_job_check, import_job_run
from coding.models import CodedValue, Coding, CodingStatus, ImportJob, ImportStatus, Role
from tests import factories

# Case 1: Leo (a lead) codes it with Bob. Case 2: Alice and Bob code it; Leo does not.
OTHERS_ROW = b"case,coder,attribute,value\n2,alice,level,local\n1,bob,level,state\n"
OWN_ROWS = (b"case,coder,attribute,value\n1,leo,level,local\n2,alice,level,local\n"
            b"2,bob,level,state\n")
REFUSAL = ("another coder's coding of a case you code yourself: row 3: case 1, 'bob'. Such "
           "codings are imported only once every coder of the case has submitted")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def leo(review):
    leo = factories.UserFactory(username="leo", first_name="Leo", is_staff=True)
    for role in (Role.LEAD, Role.CODER):
        factories.MembershipFactory(review=review, user=leo, role=role)
    return leo


@pytest.fixture
def cases(review, leo, coder_a, coder_b):
    one, two = (factories.CaseFactory(review=review, number=n) for n in ("1", "2"))
    for case, coders in ((one, (leo, coder_b)), (two, (coder_a, coder_b))):
        for coder in coders:
            factories.AssignmentFactory(case=case, coder=coder)
    return {"1": one, "2": two}


def bob_codes(case, bob, state: str) -> None:
    """Bob's coding of the case through the app's services: none, a draft or submitted."""
    if state == "none":
        return
    coding = coding_start(case=case, user=bob)
    coding = coding_save_draft(coding=coding, values={"level": {"value": "state"},
                                                      "roles": {"value": ["deliverer"]}},
                               expected_version=coding.version, user=bob)
    if state == "submitted":
        coding_submit(coding=coding, expected_version=coding.version, user=bob)


def _clean(text: str) -> str:
    """The answer without what differs from one request or job to the next and says nothing
    of anyone's coding: CSRF tokens, ids in addresses, times."""
    text = re.sub(r'(csrfmiddlewaretoken" value=")[^"]*', r"\1", text)
    text = re.sub(r'(name="next" value=")[^"]*', r"\1", text)
    text = re.sub(r"/(import|audit|auditevent|coding|codedvalue)/\d+/", r"/\1/N/", text)
    # Row ids (the log's objects, the API's ids): each session is rolled back, but
    # PostgreSQL's sequences are not. (A new row's id counts the rows made before it, Bob's
    # too: a side channel of every row id, not of the import.)
    text = re.sub(r'(coding\.\w+ #|field-object_id">|"id":)\d+', r"\1N", text)
    text = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(\+\d\d:\d\d|Z)?", "TIME", text)
    text = re.sub(r"\b\d{1,2} \w+ \d{4}(, | at )\d{1,2}:\d\d\b", "TIME", text)
    return re.sub(r"\b\d{1,2}:\d\d(:\d\d)?\b", "TIME", text)


def _get(client, url: str) -> str:
    response = client.get(url)
    return f"{response.status_code} {_clean(response.content.decode())}"


def _upload(client, data: bytes, name: str) -> ImportJob:
    client.post("/reviews/demo/import/", {"kind": "codings",
                                          "file": SimpleUploadedFile(name, data)})
    job = ImportJob.objects.latest("id")
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    return job


LOG_URLS = {"audit": "/reviews/demo/audit/", "admin_audit": "/admin/coding/auditevent/",
            "admin_codings": "/admin/coding/coding/", "api_codings": "/api/reviews/demo/codings/",
            "api_disagreements": "/api/reviews/demo/disagreements/"}


def _session(leo, bob, cases, bobs: str) -> dict[str, str]:
    """Everything Leo reads of his two uploads, their checks and his confirmed import, after
    Bob's coding of case 1 reached `bobs`; rolled back afterwards, so that each session
    starts from the same data (and an empty cache: nothing served from another session)."""
    from django.core.cache import cache

    cache.clear()
    seen: dict[str, str] = {}
    with transaction.atomic():
        bob_codes(cases["1"], bob, bobs)
        client = Client()
        client.force_login(leo)
        jobs = {"others": _upload(client, OTHERS_ROW, "others.csv"),
                "own": _upload(client, OWN_ROWS, "own.csv")}
        for name, job in jobs.items():
            seen[f"{name}: status"] = job.status
            seen[f"{name}: error"] = job.error
            seen[f"{name}: page"] = _get(client, f"/reviews/demo/import/{job.pk}/")
            seen[f"{name}: json"] = _get(client, f"/reviews/demo/import/{job.pk}/status/")
        seen["import page"] = _get(client, "/reviews/demo/import/")
        for name, url in LOG_URLS.items():
            seen[f"checked: {name}"] = _get(client, url)
        confirm = client.post(f"/reviews/demo/import/{jobs['own'].pk}/confirm/", follow=True)
        seen["confirm"] = f"{confirm.status_code} {_clean(confirm.content.decode())}"
        import_job_run(job_id=jobs["own"].pk)
        seen["imported: page"] = _get(client, f"/reviews/demo/import/{jobs['own'].pk}/")
        seen["imported: json"] = _get(client, f"/reviews/demo/import/{jobs['own'].pk}/status/")
        # Once Leo's own coding of case 1 is in, the case is complete if Bob submitted, and
        # Leo then sees Bob's coding: the log may differ, but not while Leo is still blind.
        if bobs != "submitted":
            for name, url in LOG_URLS.items():
                seen[f"imported: {name}"] = _get(client, url)
        transaction.set_rollback(True)
    return seen


def _differences(one: dict, other: dict) -> dict:
    return {key: (one[key][:300], other.get(key, "")[:300]) for key in one
            if one[key] != other.get(key)}


@pytest.mark.slow  # two sessions of a dozen pages each: 8 to 20 s
@pytest.mark.parametrize("bobs", ["draft", "submitted"])
def test_nothing_leo_reads_of_his_import_changes_when_bob_codes_their_case(
        leo, coder_b, cases, bobs):
    before = _session(leo, coder_b, cases, "none")
    assert before["others: status"] == ImportStatus.REFUSED
    assert before["others: error"] == f"others.csv: row 3: {REFUSAL}"
    assert before["own: status"] == ImportStatus.CHECKED
    assert "case 1 by leo; case 2 by alice; case 2 by bob." in before["own: page"]
    assert "<dt>Open disagreements</dt><dd>1</dd>" in before["imported: page"]
    assert before["checked: audit"].startswith("200 ")
    assert before["checked: admin_audit"].startswith("200 ")
    after = _session(leo, coder_b, cases, bobs)
    if bobs == "submitted":
        before = {key: value for key, value in before.items() if key in after}
    assert _differences(before, after) == {}


@pytest.mark.parametrize("bobs", ["none", "draft", "submitted"])
def test_leos_import_never_writes_bobs_coding_of_their_case(leo, coder_b, cases, tmp_path,
                                                            bobs):
    bob_codes(cases["1"], coder_b, bobs)
    kept = list(CodedValue.objects.filter(coding__coder=coder_b).values_list("pk", "text"))
    path = tmp_path / "codings.csv"
    path.write_bytes(OTHERS_ROW)
    with pytest.raises(ImportFailed) as refused:
        codings_import(path=path, review_slug="demo", actor=leo)
    assert refused.value.reason == REFUSAL
    assert list(Coding.objects.filter(coder=coder_b).values_list("status", flat=True)) == (
        [] if bobs == "none" else [bobs])
    assert list(CodedValue.objects.filter(coding__coder=coder_b).values_list(
        "pk", "text")) == kept
    assert not Coding.objects.filter(case=cases["2"]).exists()


def test_leos_own_coding_of_their_case_imports_and_the_figures_leave_the_case_out(
        leo, coder_b, cases, tmp_path):
    """Bob submitted case 1 and disagrees with Leo's file: detection runs (the case is
    complete once Leo's coding is in), but the figures Leo is shown were taken while he was
    blind on it, so they leave case 1 out as they would if Bob had not coded it."""
    bob_codes(cases["1"], coder_b, "submitted")
    path = tmp_path / "codings.csv"
    path.write_bytes(OWN_ROWS)
    result = codings_import(path=path, review_slug="demo", actor=leo)
    assert (result.created, result.compared_cases, result.open_disagreements) == (3, 1, 1)
    assert Coding.objects.get(case=cases["1"], coder=leo).status == CodingStatus.SUBMITTED
    assert cases["1"].disagreements.exists()


def test_once_both_submitted_leo_imports_bobs_coding_like_any_lead(leo, coder_b, cases,
                                                                   tmp_path):
    bob_codes(cases["1"], coder_b, "submitted")
    factories.coding_with_values(case=cases["1"], coder=leo, values={"level": "state"})
    path = tmp_path / "codings.csv"
    path.write_bytes(b"case,coder,attribute,value\n1,bob,level,local\n")
    assert codings_import(path=path, review_slug="demo", actor=leo).updated == 1


def test_the_command_is_not_blind_bound(leo, coder_b, cases, tmp_path):
    """import_codings is run by whoever runs the server: it has no actor to be blind."""
    bob_codes(cases["1"], coder_b, "submitted")
    path = tmp_path / "codings.csv"
    path.write_bytes(OTHERS_ROW)
    assert codings_import(path=path, review_slug="demo", enrol=True).updated == 1


def test_the_policy_refuses_others_codings_of_the_cases_the_lead_is_blind_on(
        review, leo, lead, cases):
    named = [("2", "alice"), ("1", "leo"), ("1", "bob"), ("1", "alice")]
    assert import_codings_refused(leo, review, named) == [("1", "bob"), ("1", "alice")]
    assert import_codings_refused(lead, review, named) == []
    assert import_codings_refused(None, review, named) == []


def _leos_view(leo, job: ImportJob) -> dict[str, str]:
    client = Client()
    client.force_login(leo)
    seen = {"import page": _get(client, "/reviews/demo/import/"),
            "job page": _get(client, f"/reviews/demo/import/{job.pk}/"),
            "job json": _get(client, f"/reviews/demo/import/{job.pk}/status/")}
    for name, url in LOG_URLS.items():
        seen[name] = _get(client, url)
    return seen


def _lenas_import(leo, lena, bob, cases, bobs: str) -> dict[str, str]:
    """What Leo reads of Lena's import of Bob's coding of case 1 (Lena codes nothing, so her
    import may replace it) after Bob's coding of it reached `bobs`; rolled back after."""
    from django.core.cache import cache

    cache.clear()
    with transaction.atomic():
        bob_codes(cases["1"], bob, bobs)
        client = Client()
        client.force_login(lena)
        job = _upload(client, b"case,coder,attribute,value\n1,bob,level,local\n", "lena.csv")
        seen = {"checked: " + key: value for key, value in _leos_view(leo, job).items()}
        if job.status == ImportStatus.CHECKED:
            client.post(f"/reviews/demo/import/{job.pk}/confirm/")
            import_job_run(job_id=job.pk)
        # Leo's own confirm of her job is refused as if it did not exist.
        confirm = Client()
        confirm.force_login(leo)
        seen["leo confirms"] = str(confirm.post(
            f"/reviews/demo/import/{job.pk}/confirm/").status_code)
        seen.update({"imported: " + key: value for key, value in _leos_view(leo, job).items()})
        transaction.set_rollback(True)
    return seen


@pytest.mark.slow  # two sessions of a dozen pages each: 8 to 20 s
@pytest.mark.parametrize("bobs", ["draft", "submitted"])
def test_another_leads_import_of_bobs_coding_tells_leo_nothing(leo, lead, coder_b, cases, bobs):
    """Lena's jobs of codings, their pages and their events in the log are not Leo's to read
    while he is blind on a case of the review: their counts, lists and refusals speak of Bob's
    coding of case 1."""
    before = _lenas_import(leo, lead, coder_b, cases, "none")
    assert before["checked: job page"].startswith("404 ")
    assert before["checked: job json"].startswith("404 ")
    assert "lena.csv" not in before["checked: import page"]
    assert before["checked: audit"].startswith("200 ")
    assert before["leo confirms"] == "404"
    after = _lenas_import(leo, lead, coder_b, cases, bobs)
    assert _differences(before, after) == {}


def test_leo_reads_other_leads_imports_once_he_is_blind_on_nothing(leo, lead, coder_b, cases):
    bob_codes(cases["1"], coder_b, "submitted")
    factories.coding_with_values(case=cases["1"], coder=leo, values={"level": "state"})
    client = Client()
    client.force_login(lead)
    job = _upload(client, b"case,coder,attribute,value\n1,bob,level,local\n", "lena.csv")
    seen = _leos_view(leo, job)
    assert seen["job page"].startswith("200 ") and "lena.csv" in seen["import page"]
    assert "case 1, coded by bob" in seen["job page"]


def test_the_confirm_service_refuses_another_leads_codings_job_to_a_blind_lead(
        leo, lead, coder_b, cases):
    from django.core.exceptions import ValidationError

    from coding.imports.services import import_job_confirm

    client = Client()
    client.force_login(lead)
    job = _upload(client, b"case,coder,attribute,value\n2,bob,level,local\n", "lena.csv")
    with pytest.raises(ValidationError) as refused:
        import_job_confirm(job=job, actor=leo)
    assert refused.value.code == "not_found"
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
