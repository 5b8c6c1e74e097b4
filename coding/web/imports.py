"""The review's Import page: leads upload a codebook, cases or codings file, see the dry
run's answer and confirm (coding.imports does the work)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from coding.imports.samples import SAMPLES, sample_file
from coding.imports.selectors import (
    import_detail,
    import_job_for,
    import_job_state,
    import_limits,
    recent_import_jobs,
)
from coding.imports.services import import_job_confirm, import_job_create, import_job_progress
from coding.models import ImportKind
from coding.reviews.policies import get_review_for_page, review_roles
from coding.reviews.selectors import review_codebook
from coding.web.http import post_only


class ImportForm(forms.Form):
    # Records are imported on the Records page (coding.web.records), with their search.
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"), choices=[
        choice for choice in ImportKind.choices if choice[0] != ImportKind.RECORDS],
                             widget=forms.RadioSelect, initial=ImportKind.CASES)
    file = forms.FileField(label=gettext_lazy("File"), help_text=gettext_lazy(
        "A codebook in YAML; cases or codings in CSV (UTF-8) or an Excel workbook (.xlsx). "
        "The formats are described below, with a sample of each."))


@login_required
def imports(request, slug: str):
    review = get_review_for_page(request.user, slug, "imports")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(review=review, kind=form.cleaned_data["kind"],
                                    upload=form.cleaned_data["file"], actor=request.user)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("coding:import_job", slug=review.slug, pk=job.pk)
    return render(request, "coding/imports.html", {
        "review": review, "roles": review_roles(request.user, review), "form": form,
        "jobs": recent_import_jobs(review=review, user=request.user), "limits": import_limits(),
        "attributes": [attribute for _, attributes in review_codebook(review).sections
                       for attribute in attributes],
    }, status=400 if form.errors else 200)


@login_required
def import_sample(request, slug: str, name: str):
    """A sample file of one kind, made from the review's codebook and cases (leads only)."""
    review = get_review_for_page(request.user, slug, "imports")
    if name not in SAMPLES:
        raise Http404("No such sample")
    response = HttpResponse(sample_file(review=review, name=name), content_type=SAMPLES[name])
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-sample-{name}"'
    return response


@login_required
def import_job(request, slug: str, pk: int):
    review = get_review_for_page(request.user, slug, "imports")
    job = import_job_for(user=request.user, review=review, pk=pk)
    if job.kind == ImportKind.RECORDS:
        return redirect("coding:records_import_job", slug=review.slug, pk=job.pk)
    progress = import_job_progress(job)
    return render(request, "coding/import_job.html", {
        "review": review, "roles": review_roles(request.user, review), "job": job,
        "progress": progress, "preview_detail": import_detail(job.preview),
        "result_detail": import_detail(job.result),
        "percent": round(100 * progress["done"] / progress["total"])
        if progress.get("total") else None,
    })


@login_required
def import_job_status(request, slug: str, pk: int):
    review = get_review_for_page(request.user, slug, "imports")
    job = import_job_for(user=request.user, review=review, pk=pk)
    return JsonResponse(import_job_state(job))


@post_only("coding:import_job", "slug", "pk")
@login_required
def import_job_confirm_view(request, slug: str, pk: int):
    review = get_review_for_page(request.user, slug, "imports")
    job = import_job_for(user=request.user, review=review, pk=pk)
    try:
        import_job_confirm(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("coding:import_job", slug=review.slug, pk=job.pk)
