"""`manage.py import_documents`: a folder named by case number or a manifest CSV; all or
nothing, naming the bad file and why."""

import pytest
from django.core.management import CommandError, call_command

from coding.models import Document
from tests import factories
from tests.documents.conftest import stored_files
from tests.documents.pdfs import minimal_pdf


@pytest.fixture
def cases(review):
    return {n: factories.CaseFactory(review=review, number=n) for n in ("1", "12", "K01")}


def _run(path, review="demo") -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_documents", str(path), "--review", review, stdout=out)
    return out.getvalue()


def test_folder_named_by_case_number_is_imported(tmp_path, cases, media_root):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "12.pdf").write_bytes(minimal_pdf(["twelve"]))
    (folder / "12-appendix.pdf").write_bytes(minimal_pdf(["appendix"]))
    (folder / "K01.html").write_bytes(b"<p>K one</p><script>x()</script>")
    (folder / ".DS_Store").write_bytes(b"\x00\x00")
    output = _run(folder)
    assert "3 added to 2 case(s)" in output
    assert "K01.html: scripts, styles and event handlers were removed" in output
    rows = sorted(Document.objects.values_list("case__number", "title", "content_type",
                                               "is_public"))
    assert rows == [
        ("12", "Appendix", "application/pdf", False),
        ("12", "Full text", "application/pdf", False),
        ("K01", "Full text", "text/html", False),
    ]
    assert len(stored_files(media_root)) == 3


def test_manifest_sets_titles_and_public_flags(tmp_path, cases):
    (tmp_path / "a.pdf").write_bytes(minimal_pdf(["a"]))
    (tmp_path / "b.txt").write_text("Plain notes")
    (tmp_path / "manifest.csv").write_text(
        "case,file,title,public\n1,a.pdf,The report,yes\n12,b.txt,,\n"
    )
    _run(tmp_path)
    rows = sorted(Document.objects.values_list("case__number", "title", "is_public"))
    assert rows == [("1", "The report", True), ("12", "b", False)]


def test_one_bad_file_imports_nothing_and_names_the_file(tmp_path, cases, media_root):
    (tmp_path / "1.pdf").write_bytes(minimal_pdf(["fine"]))
    (tmp_path / "12.pdf").write_bytes(b"MZ\x90\x00" + b"\x00" * 60)
    with pytest.raises(CommandError) as error:
        _run(tmp_path)
    assert str(error.value) == (
        f"Nothing imported. {tmp_path / '12.pdf'}: file name: 12.pdf is not a PDF: its "
        "content is a Windows executable."
    )
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_file_for_an_unknown_case_imports_nothing(tmp_path, cases, media_root):
    (tmp_path / "1.pdf").write_bytes(minimal_pdf())
    (tmp_path / "99-appendix.pdf").write_bytes(minimal_pdf(["other"]))
    with pytest.raises(CommandError, match=r"99-appendix.pdf: file name: does not start with "
                                           r"a case number .* no case '99'"):
        _run(tmp_path)
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_failure_while_storing_removes_the_files_already_stored(
    tmp_path, cases, media_root, lead
):
    # The second file is already on case 12 (uploaded before): found only when storing.
    from django.core.files.base import ContentFile

    from coding.documents.services import document_upload

    document_upload(case=cases["12"], file=ContentFile(minimal_pdf(["dup"]), "x.pdf"),
                    actor=lead)
    (tmp_path / "1.pdf").write_bytes(minimal_pdf(["new"]))
    (tmp_path / "12.pdf").write_bytes(minimal_pdf(["dup"]))
    with pytest.raises(CommandError, match="12.pdf is already on case 12"):
        _run(tmp_path)
    assert Document.objects.count() == 1
    assert len(stored_files(media_root)) == 1


@pytest.mark.parametrize("manifest,reason", [
    ("case,title\n1,x\n", "manifest.csv: header: missing column(s) file"),
    ("case,file\n7,a.pdf\n", "manifest.csv: row 2: no case '7' in this review"),
    ("case,file\n1,missing.pdf\n", "manifest.csv: row 2: file 'missing.pdf' not found"),
    ("case,file\n1,../outside.pdf\n", "row 2: file '../outside.pdf' is outside the manifest"),
    ("case,file,public\n1,a.pdf,maybe\n", "row 2: 'public' must be true or false"),
    ("case,file\n1,a.pdf\n1,a.pdf\n", "same content as a.pdf for case 1"),
    ("case,file,title\n1,a.pdf," + "t" * 301 + "\n",
     "row 2: the title is longer than 300 characters"),
    ("case,file,title\n1,a.pdf\n",
     "row 2: more or fewer fields than the header has columns (3)"),
    ("case,file\n1,a.pdf,Full text\n",
     "row 2: more or fewer fields than the header has columns (2)"),
    ('case,file,title\n1,a.pdf,"Full text\n', "not valid CSV (unexpected end of data)"),
])
def test_bad_manifest_rows_are_named(tmp_path, cases, media_root, manifest, reason):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(minimal_pdf())
    (tmp_path / "outside.pdf").write_bytes(minimal_pdf(["outside"]))
    (folder / "manifest.csv").write_text(manifest)
    with pytest.raises(CommandError) as error:
        _run(folder / "manifest.csv")
    assert reason in str(error.value)
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_unknown_review_or_path_is_refused(tmp_path, cases):
    with pytest.raises(CommandError, match="no review with slug 'nope'"):
        _run(tmp_path, review="nope")
    with pytest.raises(CommandError, match="neither a folder nor a manifest CSV"):
        _run(tmp_path / "nothing-here")
    with pytest.raises(CommandError, match="has no files"):
        _run(tmp_path)
