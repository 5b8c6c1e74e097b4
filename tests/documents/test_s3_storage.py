"""Documents in an S3-compatible object store: django-storages' S3 backend against moto's
server mode (a real HTTP S3 endpoint on 127.0.0.1), configured as the README says."""

import json
import os
import subprocess
import sys

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.urls import reverse

from coding.documents.services import document_delete, document_upload
from tests.documents.pdfs import minimal_pdf

BUCKET = "case-documents"
KEYS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, aws_access_key_id="testing",
        aws_secret_access_key="testing", region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "location": "review-docs",
                    "default_acl": None, "querystring_auth": True, "file_overwrite": False,
                    **KEYS},
    }}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_upload_stores_the_file_in_the_bucket_and_the_view_streams_it(
    client, bucket, case, lead, coder_a, media_root
):
    data = minimal_pdf(["stored in S3"])
    document = document_upload(case=case, file=ContentFile(data, "12.pdf"), actor=lead)
    keys = _keys(bucket)
    assert keys == [f"review-docs/{document.file.name}"]
    assert bucket.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == data
    assert not media_root.exists()  # nothing went to the local disk
    client.force_login(coder_a)
    response = client.get(reverse("coding:document_file", args=["demo", "12", document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"


def test_refused_upload_leaves_the_bucket_empty(bucket, case, lead):
    with pytest.raises(Exception, match="contains JavaScript"):
        document_upload(case=case, file=ContentFile(minimal_pdf(javascript="x()"), "12.pdf"),
                        actor=lead)
    assert _keys(bucket) == []


def test_delete_removes_the_object(bucket, case, lead, django_capture_on_commit_callbacks):
    document = document_upload(case=case, file=ContentFile(b"notes", "12.txt"), actor=lead)
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=document, actor=lead)
    assert _keys(bucket) == []


def test_environment_variables_select_the_s3_backend():
    env = {**os.environ, "DOCUMENTS_S3_BUCKET": "b", "DOCUMENTS_S3_ENDPOINT_URL": "http://s3:9000",
           "DOCUMENTS_S3_REGION": "eu-west-1", "DOCUMENTS_S3_PREFIX": "docs",
           "DJANGO_SETTINGS_MODULE": "coproduction.settings"}
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.STORAGES['documents']))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=django_settings.BASE_DIR, timeout=60)
    config = json.loads(out.stdout)
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert {k: config["OPTIONS"][k] for k in ("bucket_name", "endpoint_url", "region_name",
                                              "location")} == {
        "bucket_name": "b", "endpoint_url": "http://s3:9000", "region_name": "eu-west-1",
        "location": "docs"}
