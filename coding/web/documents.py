"""Document pages: a case's documents for members (leads upload and delete there), and the
access-checked file download for anyone the policy lets see the document."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from coding import input_limits as limits
from coding.documents.bulk import bulk_response, documents_bulk_names_check, documents_bulk_upload
from coding.documents.files import max_bytes
from coding.documents.http import document_response
from coding.documents.policies import documents_manageable_by
from coding.documents.selectors import (
    case_documents,
    document_for_viewer,
    documents_text_state,
    review_documents_overview,
)
from coding.documents.services import document_delete, document_upload
from coding.models import Case, Document
from coding.reviews.policies import (
    get_public_review,
    get_review_for_member,
    get_review_for_page,
    review_roles,
)
from coding.web.http import post_only


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "PDF, HTML, plain text or Markdown; the type is read from the content.")
    )
    title = forms.CharField(
        max_length=Document._meta.get_field("title").max_length, required=False,
        label=gettext_lazy("Title"), help_text=gettext_lazy("Empty: the file's name."),
    )
    is_public = forms.BooleanField(
        required=False, label=gettext_lazy("Public"),
        help_text=gettext_lazy("Readers of the published review may download it. Leave off "
                               "for copyrighted full texts."),
    )


def _case(review, number) -> Case:
    case = get_object_or_404(Case, review=review, number=number)
    case.review = review
    return case


@login_required
@require_http_methods(["GET", "POST"])
def case_documents_page(request, slug, number):
    review = get_review_for_member(request.user, slug)
    case = _case(review, number)
    may_manage = documents_manageable_by(request.user, review)
    form = DocumentUploadForm()
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = document_upload(
                    case=case, file=form.cleaned_data["file"], actor=request.user,
                    title=form.cleaned_data["title"], is_public=form.cleaned_data["is_public"],
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                messages.success(request, _("Uploaded “%(title)s” (%(filename)s).") % {
                    "title": document.title, "filename": document.filename})
                for note in document.notes:
                    messages.warning(request, note)
                return redirect("coding:case_documents", review.slug, case.number)
    return render(request, "coding/case_documents.html", {
        "review": review, "roles": review_roles(request.user, review), "case": case,
        "documents": case_documents(user=request.user, case=case), "form": form,
        "may_manage": may_manage, "max_bytes": max_bytes(),
    }, status=400 if form.errors else 200)


@post_only("coding:case_documents", "slug", "number")
@login_required
def document_delete_view(request, slug, number, pk):
    review = get_review_for_member(request.user, slug)
    document = document_for_viewer(user=request.user, case=_case(review, number), pk=pk)
    try:
        document_delete(document=document, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Deleted “%(title)s”.") % {"title": document.title})
    return redirect("coding:case_documents", review.slug, number)


@require_safe
def document_file(request, slug, number, pk):
    review = get_public_review(request.user, slug)
    document = document_for_viewer(user=request.user, case=_case(review, number), pk=pk)
    return document_response(document, download=request.GET.get("download") == "1")


# --- the review's documents page: many files at once (issue 24) -----------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _bulk_error(request, review, error: ValidationError):
    message = " ".join(error.messages)
    if _wants_json(request):
        return JsonResponse({"detail": message, "errors": error.messages}, status=400)
    return _review_documents_render(request, review, error=message, status=400)


def _review_documents_render(request, review, *, results=None, dry_run=False, error="",
                             status=200):
    overview = review_documents_overview(review=review)
    return render(request, "coding/review_documents.html", {
        "review": review, "roles": review_roles(request.user, review),
        "overview": overview, "bulk": bulk_response(results) if results is not None else None,
        "dry_run": dry_run, "error": error, "max_bytes": max_bytes(),
        "words": _bulk_words(),
        "limits": {"files": limits.DOCUMENT_BATCH_MAX_FILES,
                   "zip_bytes": limits.DOCUMENT_ZIP_MAX_BYTES,
                   "zip_entries": limits.DOCUMENT_ZIP_MAX_ENTRIES},
    }, status=status)


def _bulk_words() -> dict:
    """The page script's words (static/js/documents-bulk.js), translatable here."""
    return {
        "stored": _("stored"), "matched": _("matched"), "refused": _("refused"),
        "unmatched": _("unmatched"), "file": _("File"), "result": _("Result"),
        "case": _("Case"), "title_or_reason": _("Title or reason"),
        "heading_check": _("Check: nothing stored yet"), "heading_upload": _("Uploaded"),
        "summary_check": _("%(matched)s matched, %(refused)s refused, %(unmatched)s "
                           "unmatched."),
        "summary_upload": _("%(stored)s stored, %(refused)s refused, %(unmatched)s "
                            "unmatched."),
        "upload_one": _("Upload 1 matched file"),
        "upload_many": _("Upload %(n)s matched files"),
        "upload_none": _("No file to upload"),
        "choose_first": _("Choose or drop files first."),
        "checking": _("Checking"), "uploading": _("Uploading"),
        "extracting": _("Extracting text"),
        "sent": _("%(done)s of %(total)s sent"),
        "extracted": _("%(done)s of %(total)s documents' text extracted"),
        "all_done": _("All %(n)s documents stored and their text extracted."),
        "background": _("The documents are stored; their text is still being extracted in "
                        "the background."),
        "not_sent": _("Not uploaded: %(error)s Try this file again."),
        "check_failed": _("The check failed: %(error)s"),
        "zip_matches": _("(in the zip)"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def review_documents(request, slug):
    """Leads drop many files or a zip: each matched to a case by its name. Without script
    the form posts here ("Check" stores nothing, "Upload" stores what passes) and the page
    shows the results; the page's script posts here too (Accept: JSON), after its check."""
    review = get_review_for_page(request.user, slug, "documents")
    if request.method == "GET":
        return _review_documents_render(request, review)
    dry_run = request.POST.get("action") != "upload"
    files = request.FILES.getlist("files")
    if not files:
        return _bulk_error(request, review, ValidationError(_("Choose one or more files.")))
    try:
        results = documents_bulk_upload(review=review, files=files, actor=request.user,
                                        dry_run=dry_run)
    except ValidationError as error:
        return _bulk_error(request, review, error)
    if _wants_json(request):
        return JsonResponse(bulk_response(results), status=200 if dry_run else 201)
    return _review_documents_render(request, review, results=results, dry_run=dry_run)


@post_only("coding:review_documents", "slug")
@login_required
def review_documents_check(request, slug):
    """The page's check before sending: `names` (JSON: [{"name", "size"}]) matched and
    checked by name and size, and `files` (zips only) checked in full; nothing stored."""
    review = get_review_for_page(request.user, slug, "documents")
    try:
        listed = json.loads(request.POST.get("names") or "[]")
        names = [(str(item["name"]), int(item["size"])) for item in listed]
    except (ValueError, TypeError, KeyError):
        return JsonResponse({"detail": _("'names' must be a JSON list of {name, size}."),
                             "errors": []}, status=400)
    zips = request.FILES.getlist("files")
    try:
        results = documents_bulk_names_check(review=review, names=names, actor=request.user)
        if zips:
            results += documents_bulk_upload(review=review, files=zips, actor=request.user,
                                             dry_run=True)
    except ValidationError as error:
        return JsonResponse({"detail": " ".join(error.messages), "errors": error.messages},
                            status=400)
    return JsonResponse(bulk_response(results))


@login_required
@require_safe
def review_documents_status(request, slug):
    """The text extraction of the documents just uploaded (`?ids=1,2,3`), for the page's
    progress bar."""
    review = get_review_for_page(request.user, slug, "documents")
    ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.isdigit()]
    return JsonResponse(documents_text_state(review=review, ids=ids))
