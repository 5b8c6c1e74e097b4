"""A lead's codings import names only people who already code the review: it never
attributes submitted codings to another account (the superuser's, an adjudicator's, a
stranger's) nor enrols one (issue 25, item 11). A file naming anyone else is refused with
each such row and username, and nothing is imported."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.codings.policies import import_coders_refused
from coding.imports.services import import_job_check
from coding.models import Coding, ImportJob, ImportStatus, Membership, Role
from tests import factories


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(review):
    return factories.CaseFactory(review=review, number="1")


def _check(client, data: bytes) -> ImportJob:
    client.post(reverse("coding:imports", args=["demo"]),
                {"kind": "codings", "file": SimpleUploadedFile("codings.csv", data)})
    job = ImportJob.objects.latest("id")
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_a_lead_cannot_attribute_codings_to_the_superuser_or_enrol_them(
    client, review, case, lead, coder_a, django_user_model
):
    django_user_model.objects.create_superuser("root", password="x")
    client.force_login(lead)
    job = _check(client, b"case,coder,attribute,value\n1,alice,level,local\n1,root,level,state\n")
    assert job.status == ImportStatus.REFUSED
    assert job.error == (
        "codings.csv: row 3: not a coder of this review: row 3: 'root'. Codings are imported "
        "only for the review's coders; add them on the Members page first")
    assert not Coding.objects.exists()
    assert not Membership.objects.filter(user__username="root").exists()


def test_every_name_that_does_not_code_the_review_is_named_with_its_row(
    client, review, case, lead, coder_a, adjudicator
):
    client.force_login(lead)
    job = _check(client, b"case,coder,attribute,value\n1,alice,level,local\n"
                         b"1,ada,level,state\n1,nobody,level,state\n")
    assert job.status == ImportStatus.REFUSED
    assert "row 3: 'ada', row 4: 'nobody'" in job.error
    assert not Coding.objects.exists()
    assert not django_user_exists("nobody")
    assert set(Membership.objects.filter(user__username="ada").values_list("role", flat=True)) \
        == {Role.ADJUDICATOR}


def django_user_exists(username: str) -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).exists()


def test_a_file_of_the_reviews_coders_is_accepted(client, review, case, lead, coder_a, coder_b):
    client.force_login(lead)
    job = _check(client, b"case,coder,attribute,value\n1,alice,level,local\n1,bob,level,state\n")
    assert job.status == ImportStatus.CHECKED
    assert job.preview["created"] == 2


def test_the_policy_names_who_does_not_code_the_review(review, coder_a, lead):
    assert import_coders_refused(review, ["alice", "lena", "ghost"]) == ["lena", "ghost"]
