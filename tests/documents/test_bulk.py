"""Many documents at once (coding/documents/bulk.py): matched by file name with
import_documents' matcher, checked with its checks, answered per file; zips bounded."""

import pytest
from django.core.exceptions import ValidationError

from coding import input_limits
from coding.documents.bulk import documents_bulk_names_check, documents_bulk_upload
from coding.documents.services import document_match
from coding.models import AuditEvent, Document
from tests import factories
from tests.documents.bulk_files import upload, zip_of
from tests.documents.conftest import stored_files
from tests.documents.pdfs import minimal_pdf, pypdf_with_javascript


@pytest.fixture
def cases(review):
    return {n: factories.CaseFactory(review=review, number=n, title=f"Case title {n}")
            for n in ("1", "12", "12-a", "K01")}


def _by_name(results) -> dict:
    return {r.name: (r.status, r.case, r.reason or r.title) for r in results}


def test_file_names_match_cases_as_the_command_matches_them(cases):
    assert document_match("12.pdf", cases).case.number == "12"
    assert document_match("12.pdf", cases).title == "Full text"
    assert document_match("12-appendix.pdf", cases).title == "Appendix"
    assert document_match("12-a.pdf", cases).case.number == "12-a"
    assert document_match("12-a-site_plan.pdf", cases).title == "Site plan"
    assert document_match("K01.html", cases).case.number == "K01"
    assert document_match("120.pdf", cases) is None
    assert document_match("notes.txt", cases) is None


def test_each_file_is_stored_refused_or_unmatched_and_one_refusal_keeps_the_others(
        cases, lead, media_root):
    results = documents_bulk_upload(review=cases["1"].review, actor=lead, files=[
        upload("12.pdf", minimal_pdf(["twelve"])),
        upload("12-appendix.txt", b"Appendix notes"),
        upload("1.pdf", pypdf_with_javascript()),
        upload("99.pdf", minimal_pdf(["none"])),
        upload("K01.pdf", b"MZ\x90\x00" + b"\x00" * 60),
    ])
    found = _by_name(results)
    assert found["12.pdf"] == ("stored", "12", "Full text")
    assert found["12-appendix.txt"] == ("stored", "12", "Appendix")
    assert found["1.pdf"][0] == "refused" and "JavaScript" in found["1.pdf"][2]
    assert found["99.pdf"][0] == "unmatched" and "no case '99'" in found["99.pdf"][2]
    assert found["K01.pdf"][0] == "refused" and "Windows executable" in found["K01.pdf"][2]
    assert sorted(Document.objects.values_list("case__number", "title")) == [
        ("12", "Appendix"), ("12", "Full text")]
    assert len(stored_files(media_root)) == 2
    stored = {r.document for r in results if r.status == "stored"}
    assert stored == set(Document.objects.values_list("pk", flat=True))


def test_a_check_stores_nothing_and_answers_what_an_upload_would(cases, lead, media_root):
    files = lambda: [upload("12.pdf", minimal_pdf()), upload("1.pdf", pypdf_with_javascript()),  # noqa: E731
                     upload("x.pdf", minimal_pdf())]
    checked = documents_bulk_upload(review=cases["1"].review, actor=lead, files=files(),
                                    dry_run=True)
    assert [r.status for r in checked] == ["matched", "refused", "unmatched"]
    assert Document.objects.count() == 0 and stored_files(media_root) == []
    assert not AuditEvent.objects.filter(action="document.upload").exists()
    uploaded = documents_bulk_upload(review=cases["1"].review, actor=lead, files=files())
    assert [r.status for r in uploaded] == ["stored", "refused", "unmatched"]


def test_sending_the_same_file_again_says_it_is_already_there(cases, lead):
    documents_bulk_upload(review=cases["1"].review, actor=lead,
                          files=[upload("12.pdf", minimal_pdf(["one"]))])
    again = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                  files=[upload("12.pdf", minimal_pdf(["one"]))])
    assert again[0].status == "refused" and again[0].code == "already_exists"
    renamed = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                    files=[upload("12.pdf", minimal_pdf(["two"]))])
    assert renamed[0].code == "duplicate_filename"
    assert Document.objects.count() == 1


def test_two_files_of_one_name_for_a_case_in_one_drop_store_the_first_only(cases, lead):
    files = lambda: [upload("12.pdf", minimal_pdf(["one"])),  # noqa: E731
                     upload("docs.zip", zip_of({"12.pdf": minimal_pdf(["two"])}))]
    checked = documents_bulk_upload(review=cases["1"].review, actor=lead, files=files(),
                                    dry_run=True)
    assert [(r.name, r.status) for r in checked] == [("12.pdf", "matched"),
                                                     ("docs.zip/12.pdf", "refused")]
    assert "case 12 would have two documents named 12.pdf" in checked[1].reason
    results = documents_bulk_upload(review=cases["1"].review, actor=lead, files=files())
    assert [(r.name, r.status) for r in results] == [("12.pdf", "stored"),
                                                     ("docs.zip/12.pdf", "refused")]
    assert "Case 12 already has a document named 12.pdf" in results[1].reason


def test_only_leads_may_upload_many(cases, coder_a, outsider):
    for actor in (coder_a, outsider):
        with pytest.raises(ValidationError):
            documents_bulk_upload(review=cases["1"].review, actor=actor,
                                  files=[upload("12.pdf", minimal_pdf())])
    assert Document.objects.count() == 0


def test_a_zip_stands_for_its_files_skipping_hidden_ones_and_macos_folders(cases, lead):
    archive = zip_of({"docs/12.pdf": minimal_pdf(["z"]), "docs/K01.txt": b"Notes",
                      "__MACOSX/docs/._12.pdf": b"\x00\x05", "docs/.DS_Store": b"\x00",
                      "docs/": b""})
    results = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                    files=[upload("docs.zip", archive)])
    assert _by_name(results) == {"docs.zip/docs/12.pdf": ("stored", "12", "Full text"),
                                 "docs.zip/docs/K01.txt": ("stored", "K01", "Full text")}


@pytest.mark.parametrize("name, code", [
    ("../12.pdf", "zip_path"), ("/etc/12.pdf", "zip_path"), ("C:/docs/12.pdf", "zip_path"),
    ("inner/12.zip", "zip_nested"),
])
def test_zip_entries_leaving_the_archive_or_nested_zips_are_refused(cases, lead, name, code,
                                                                     media_root):
    archive = zip_of({name: zip_of({"12.pdf": minimal_pdf()}) if code == "zip_nested"
                      else minimal_pdf(), "1.pdf": minimal_pdf(["fine"])})
    results = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                    files=[upload("docs.zip", archive)])
    assert [(r.name, r.status, r.code) for r in results] == [
        (f"docs.zip/{name}", "refused", code), ("docs.zip/1.pdf", "stored", "")]
    assert list(Document.objects.values_list("case__number", flat=True)) == ["1"]
    assert all(".." not in path and "etc" not in path for path in stored_files(media_root))


def test_a_zip_bomb_is_refused_by_its_compression_ratio_without_being_unpacked(cases, lead):
    archive = zip_of({"12.txt": b"a" * (5 * 1024 * 1024)})
    assert len(archive) < 10_000  # a thousand to one
    results = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                    files=[upload("bomb.zip", archive)])
    assert results[0].status == "refused" and results[0].code == "zip_ratio"
    assert "possible zip bomb" in results[0].reason
    assert Document.objects.count() == 0


def test_a_zip_over_its_limits_is_refused_whole(cases, lead, monkeypatch):
    archive = zip_of({"1.txt": b"one", "12.txt": b"twelve", "K01.txt": b"k"})
    monkeypatch.setattr(input_limits, "DOCUMENT_ZIP_MAX_ENTRIES", 2)
    [result] = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                     files=[upload("docs.zip", archive)])
    assert (result.name, result.code) == ("docs.zip", "zip_too_many_files")
    assert "holds 3 files; a zip may hold at most 2" in result.reason
    monkeypatch.setattr(input_limits, "DOCUMENT_ZIP_MAX_ENTRIES", 1000)
    monkeypatch.setattr(input_limits, "DOCUMENT_ZIP_MAX_TOTAL_BYTES", 5)
    [result] = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                     files=[upload("docs.zip", archive)])
    assert result.code == "zip_too_large" and "unpacks to" in result.reason
    monkeypatch.setattr(input_limits, "DOCUMENT_ZIP_MAX_TOTAL_BYTES", 10**9)
    monkeypatch.setattr(input_limits, "DOCUMENT_ZIP_MAX_BYTES", 100)
    [result] = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                     files=[upload("docs.zip", archive)])
    assert result.code == "zip_too_large" and "a zip may be at most" in result.reason
    assert Document.objects.count() == 0


def test_a_damaged_zip_is_refused_with_its_name(cases, lead):
    [result] = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                     files=[upload("docs.zip", b"PK\x03\x04 not really")])
    assert result.status == "refused" and result.reason == "docs.zip is not a readable zip archive."


def test_too_many_files_at_once_are_refused_before_any_is_read(cases, lead, monkeypatch):
    monkeypatch.setattr(input_limits, "DOCUMENT_BATCH_MAX_FILES", 2)
    with pytest.raises(ValidationError, match="At most 2 files at once"):
        documents_bulk_upload(review=cases["1"].review, actor=lead, files=[
            upload(f"{n}.txt", b"x") for n in ("1", "12", "K01")])


def test_files_not_reached_in_time_are_answered_send_again(cases, lead, monkeypatch):
    monkeypatch.setattr(input_limits, "DOCUMENT_BATCH_SECONDS", -1)
    results = documents_bulk_upload(review=cases["1"].review, actor=lead,
                                    files=[upload("12.txt", b"x")])
    assert results[0].code == "not_checked" and "Send this file again" in results[0].reason
    assert Document.objects.count() == 0


def test_the_names_check_matches_and_refuses_by_name_and_size_only(cases, lead, settings):
    documents_bulk_upload(review=cases["1"].review, actor=lead,
                          files=[upload("1.pdf", minimal_pdf())])
    settings.DOCUMENT_MAX_BYTES = 1000
    results = documents_bulk_names_check(review=cases["1"].review, actor=lead, names=[
        ("12.pdf", 500), ("12-appendix.pdf", 5000), ("1.pdf", 10), ("nope.pdf", 1),
        ("12.pdf", 10), (".DS_Store", 10)])
    assert [(r.name, r.status, r.code) for r in results] == [
        ("12.pdf", "matched", ""), ("12-appendix.pdf", "refused", "too_large"),
        ("1.pdf", "refused", "duplicate_filename"), ("nope.pdf", "unmatched", ""),
        ("12.pdf", "refused", "duplicate_in_batch")]
    assert Document.objects.count() == 1
