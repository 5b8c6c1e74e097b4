"""The Records page (leads): the review's searches and candidate records with filters, the upload of
a records file (checked by a dry run, imported once confirmed, as on the Import page), the
duplicates to settle side by side, and the action that makes cases of included records. One
record's page for members (a case links to it). The work is coding.records'."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from coding.imports.selectors import import_job_for, import_limits
from coding.imports.services import import_job_confirm
from coding.input_limits import RECORDS_MAX
from coding.models import DuplicateStatus, ImportJob, ImportKind, Record
from coding.records.policies import may_manage_records
from coding.records.selectors import (
    PAGE_SIZE,
    final_stage,
    included_records_without_case,
    record_filter_choices,
    record_for,
    records_filtered,
    records_summary,
    searches_with_counts,
    suspected_duplicates,
)
from coding.records.services import (
    cases_from_included_records,
    duplicate_confirm,
    duplicate_split,
    records_import_job_create,
)
from coding.reviews.policies import get_review_for_member, get_review_for_page, review_roles
from coding.web.http import post_only


class RecordsUploadForm(forms.Form):
    file = forms.FileField(label=_("Records file"), help_text=_(
        "RIS, BibTeX (.bib), CSV (UTF-8) or an Excel workbook (.xlsx); the formats are "
        "described below."))
    source = forms.CharField(label=_("Source"), max_length=200, help_text=_(
        'The database, register or website searched, e.g. "Nesta".'))
    searched_on = forms.DateField(label=_("Date of the search"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    query = forms.CharField(label=_("Query"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}), help_text=_("The search as it was typed, for the methods section."))


FILTERS = ("search", "source", "duplicate", "year", "q")


@login_required
def records(request, slug: str):
    review = get_review_for_page(request.user, slug, "records")
    form = RecordsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = records_import_job_create(
                review=review, upload=form.cleaned_data["file"],
                source=form.cleaned_data["source"],
                searched_on=form.cleaned_data["searched_on"],
                query=form.cleaned_data["query"], actor=request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error("file", error)
        else:
            return redirect("coding:records_import_job", slug=review.slug, pk=job.pk)
    chosen = {name: request.GET.get(name, "").strip() for name in FILTERS}
    rows = records_filtered(review, search=chosen["search"], source=chosen["source"],
                            duplicate=chosen["duplicate"], year=chosen["year"],
                            text=chosen["q"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    stage = final_stage(review)
    kept = urlencode({name: value for name, value in chosen.items() if value})
    return render(request, "coding/records.html", {
        "review": review, "roles": review_roles(request.user, review), "form": form,
        "page": page, "chosen": chosen, "kept": kept, "summary": records_summary(review),
        "searches": searches_with_counts(review), "choices": record_filter_choices(review),
        "statuses": [("none", DuplicateStatus.NONE.label),
                     *[(value, label) for value, label in DuplicateStatus.choices if value]],
        "to_promote": included_records_without_case(review, stage=stage).count(),
        "final_stage": stage,
        "jobs": list(ImportJob.objects.filter(review=review, kind=ImportKind.RECORDS)
                     .order_by("-created_at", "-pk")[:5]),
        "limits": {**import_limits(), "records": f"{RECORDS_MAX:,}"},
    }, status=400 if form.errors else 200)


@login_required
def records_import_job(request, slug: str, pk: int):
    review = get_review_for_page(request.user, slug, "records")
    job = import_job_for(user=request.user, review=review, pk=pk)
    if job.kind != ImportKind.RECORDS:
        return redirect("coding:import_job", slug=review.slug, pk=job.pk)
    return render(request, "coding/records_import_job.html", {
        "review": review, "roles": review_roles(request.user, review), "job": job,
    })


@post_only("coding:records_import_job", "slug", "pk")
@login_required
def records_import_confirm(request, slug: str, pk: int):
    review = get_review_for_page(request.user, slug, "records")
    job = import_job_for(user=request.user, review=review, pk=pk)
    try:
        import_job_confirm(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("coding:records_import_job", slug=review.slug, pk=job.pk)


@login_required
def records_duplicates(request, slug: str):
    review = get_review_for_page(request.user, slug, "records")
    return render(request, "coding/records_duplicates.html", {
        "review": review, "roles": review_roles(request.user, review),
        "pairs": suspected_duplicates(review), "summary": records_summary(review),
    })


@post_only("coding:records_duplicates", "slug")
@login_required
def records_duplicate_settle(request, slug: str, pk: int):
    review = get_review_for_page(request.user, slug, "records")
    record = record_for(user=request.user, review=review, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "confirm":
            duplicate_confirm(record=record, actor=request.user)
            messages.success(request, gettext("Removed as a duplicate: %(title)s") % {
                "title": record.title[:120]})
        elif action == "split":
            duplicate_split(record=record, actor=request.user)
            messages.success(request, gettext("Kept as a record of its own: %(title)s") % {
                "title": record.title[:120]})
        else:
            messages.error(request, gettext("Choose: a duplicate, or not a duplicate."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("coding:records_duplicates", slug=review.slug)


@post_only("coding:records", "slug")
@login_required
def records_make_cases(request, slug: str):
    review = get_review_for_page(request.user, slug, "records")
    try:
        cases = cases_from_included_records(review=review, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if cases:
            messages.success(request, ngettext(
                "%(count)s case created from included records.",
                "%(count)s cases created from included records.", len(cases)) % {
                    "count": len(cases)})
        else:
            messages.info(request, gettext("Every included record already has its case."))
    return redirect("coding:records", slug=review.slug)


@login_required
def record_detail(request, slug: str, pk: int):
    """One record, for any member (a case's page links here)."""
    review = get_review_for_member(request.user, slug)
    record: Record = record_for(user=request.user, review=review, pk=pk)
    return render(request, "coding/record_detail.html", {
        "review": review, "roles": review_roles(request.user, review), "record": record,
        "authors": record.authors.splitlines(),
        "may_manage": may_manage_records(request.user, review),
    })
