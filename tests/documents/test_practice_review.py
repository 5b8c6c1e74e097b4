"""The practice review: fictional case reports with their full texts, loaded by `make run`,
so a new coder has something to code from a document."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.urls import reverse

from coding.documents.services import document_text_extract
from coding.models import Assignment, Document, Review

PRACTICE = Path(settings.BASE_DIR) / "fixtures" / "practice"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_practice_review", Path(settings.BASE_DIR) / "scripts" / "make_practice_review.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _extract_texts():
    """What the background worker does after the import commits."""
    for pk in Document.objects.values_list("pk", flat=True):
        document_text_extract(document_id=pk)


def test_load_practice_publishes_six_cases_each_with_a_public_full_text(db):
    call_command("load_practice", verbosity=0)
    _extract_texts()
    review = Review.objects.get(slug="practice")
    assert review.is_published
    assert review.cases.count() == 6
    documents = Document.objects.filter(case__review=review)
    assert documents.count() == 6
    assert all(document.is_public for document in documents)
    assert {d.content_type for d in documents} == {"application/pdf", "text/html"}
    for document in documents:
        # Each report says before anything else that it is invented.
        assert "Fictional case report" in document.text[:200], document.title


def test_load_practice_twice_changes_nothing(db):
    call_command("load_practice", verbosity=0)
    call_command("load_practice", verbosity=0)
    review = Review.objects.get(slug="practice")
    assert review.cases.count() == 6
    assert Document.objects.filter(case__review=review).count() == 6
    assert review.codebooks.count() == 1


def test_practice_pdfs_have_a_page_for_the_results(db):
    call_command("load_practice", verbosity=0)
    _extract_texts()
    pdf = Document.objects.get(case__review__slug="practice", case__number="3")
    pages = pdf.text.split("\f")
    assert len(pages) == 2
    assert "What changed" in pages[1] and "What changed" not in pages[0]


def test_committed_practice_files_are_the_generators_output(tmp_path, monkeypatch):
    generator = _generator()
    monkeypatch.setattr(generator, "OUT", tmp_path)
    generator.main()
    for name in sorted(p.name for p in PRACTICE.iterdir()):
        assert (tmp_path / name).read_bytes() == (PRACTICE / name).read_bytes(), (
            f"fixtures/practice/{name} differs from scripts/make_practice_review.py's output; "
            "run `make practice-files`"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in PRACTICE.iterdir())


def test_seed_demo_assigns_the_demo_coders_to_every_practice_case(db, settings):
    settings.DEBUG = True
    call_command("load_coproduction", verbosity=0)
    call_command("load_practice", verbosity=0)
    call_command("seed_demo", verbosity=0)
    practice = Assignment.objects.filter(case__review__slug="practice")
    assert practice.count() == 12
    assert set(practice.values_list("coder__username", flat=True)) == {"coder_a", "coder_b"}
    assert Assignment.objects.filter(case__review__slug="coproduction").count() == 24


def test_seed_demo_refuses_an_unknown_review(db, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="No review 'nope'"):
        call_command("seed_demo", "--review", "nope", verbosity=0)


def test_home_page_tells_a_new_reader_to_start_with_the_practice_review(client, db, settings):
    settings.DEBUG = True
    assert "Start with the practice review" not in client.get("/").content.decode()
    call_command("load_practice", verbosity=0)
    page = client.get("/").content.decode()
    assert "Start with the practice review" in page
    assert reverse("coding:gallery", args=["practice"]) in page
    assert "sign in as <code>coder_a</code>" in page


def test_home_page_sends_a_practice_coder_to_their_cases(client, db, settings):
    settings.DEBUG = True
    call_command("load_practice", verbosity=0)
    call_command("seed_demo", "--review", "practice", verbosity=0)
    client.login(request=HttpRequest(), username="coder_a", password="coproduce-demo")
    page = client.get("/").content.decode()
    assert f'href="{reverse("coding:queue", args=["practice"])}">Code the practice cases' in page
    assert "sign in as" not in page


def test_a_withdrawn_practice_review_is_not_advertised(client, db):
    call_command("load_practice", verbosity=0)
    Review.objects.filter(slug="practice").update(is_published=False)
    assert "Start with the practice review" not in client.get("/").content.decode()
