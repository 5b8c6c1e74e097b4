"""Document pages: a case's documents for members (leads upload and delete there), and the
access-checked file download for anyone the policy lets see the document."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from coding.documents.files import max_bytes
from coding.documents.http import document_response
from coding.documents.policies import documents_manageable_by
from coding.documents.selectors import case_documents, document_for_viewer
from coding.documents.services import document_delete, document_upload
from coding.models import Case, Document
from coding.reviews.policies import get_public_review, get_review_for_member, review_roles
from coding.web.http import post_only


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        help_text="PDF, HTML, plain text or Markdown; the type is read from the content."
    )
    title = forms.CharField(
        max_length=Document._meta.get_field("title").max_length, required=False,
        help_text="Empty: the file's name.",
    )
    is_public = forms.BooleanField(
        required=False, label="Public",
        help_text="Readers of the published review may download it. Leave off for "
        "copyrighted full texts.",
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
                messages.success(request, f"Uploaded “{document.title}” ({document.filename}).")
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
        messages.success(request, f"Deleted “{document.title}”.")
    return redirect("coding:case_documents", review.slug, number)


@require_safe
def document_file(request, slug, number, pk):
    review = get_public_review(request.user, slug)
    document = document_for_viewer(user=request.user, case=_case(review, number), pk=pk)
    return document_response(document, download=request.GET.get("download") == "1")
