"""Coder pages: the queue of assigned cases, the coding form, autosave and submit.

A coder reaches only cases assigned to them (404 otherwise, so nobody learns which
cases exist), and only ever their own coding; coding_detail applies the blind rule
for everyone else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from coding.adjudication.policies import in_discussion_mode
from coding.adjudication.selectors import discussion_queue
from coding.codings.policies import cases_to_code, coding_visible_to, may_reopen_coding
from coding.codings.selectors import QueueState, coder_queue, coder_queue_counts, next_case
from coding.codings.services import (
    CodingConflict,
    coding_start_and_save_draft,
    coding_submit,
)
from coding.documents.selectors import case_documents
from coding.models import Case, CodedValue, Coding
from coding.reviews.policies import get_review_for_member, get_review_for_page, review_roles
from coding.rounds.selectors import coder_rounds
from coding.values import stored_text
from coding.web.forms import (
    CodingForm,
    anchors_name,
    evidence_name,
    initial_from_values,
    note_name,
)
from coding.web.http import post_only
from coding.web.lead import CASES_PER_PAGE


def _assigned_case(request, slug: str, number: str):
    review = get_review_for_member(request.user, slug)
    cases = cases_to_code(request.user, Case.objects.filter(review=review))
    case = get_object_or_404(cases.prefetch_related("service_areas"), number=number)
    return review, case


def _own_coding(case: Case, user) -> Coding | None:
    return Coding.objects.select_related("codebook").filter(case=case, coder=user).first()


def _sections(attributes, form, values) -> list[dict]:
    """Attributes grouped by section, each with its bound fields and stored value."""
    stored = {v.attribute_id: v for v in values}
    sections: list[dict] = []
    for attribute in attributes:
        if not sections or sections[-1]["section"].pk != attribute.section_id:
            sections.append({"section": attribute.section, "items": []})
        value = stored.get(attribute.pk)
        item = {
            "attribute": attribute,
            "value": stored_text(attribute, value),
            "evidence_text": value.evidence if value else "",
            "note_text": value.note if value else "",
        }
        if form is not None:
            item["field"] = form[attribute.key]
            item["evidence"] = form[evidence_name(attribute.key)]
            item["note"] = form[note_name(attribute.key)]
            item["anchors"] = form[anchors_name(attribute.key)]
            item["answered"] = item["field"].value() not in (None, "", [])
        sections[-1]["items"].append(item)
    return sections


def _answered(sections: list[dict]) -> dict:
    """How many attributes of the form hold a value ("9 of 12 answered")."""
    items = [item for section in sections for item in section["items"]]
    return {"answered": sum(bool(item.get("answered")) for item in items), "total": len(items)}


def _attributes(codebook):
    if codebook is None:
        return []
    return list(codebook.attributes.select_related("section").prefetch_related("options"))


def _values(coding: Coding | None) -> list[CodedValue]:
    if coding is None:
        return []
    return list(
        CodedValue.objects.filter(coding=coding)
        .select_related("attribute")
        .prefetch_related("options")
    )


def _render_form(request, review, case, coding, *, form=None, errors=(), conflict="", status=200,
                 codebook=None, values=None, urls=None, storage_key=None):
    """The coding form for `coding` (a Coding, or a calibration round's RoundCoding with its
    `values`, `codebook`, `urls` and `storage_key` given by coding.web.rounds)."""
    codebook = codebook or (coding.codebook if coding else review.current_codebook())
    attributes = _attributes(codebook)
    values = _values(coding) if values is None else values
    read_only = bool(coding and coding.is_submitted)
    if form is None and not read_only:
        initial = initial_from_values(values)
        initial["version"] = coding.version if coding else 0
        form = CodingForm(attributes=attributes, initial=initial)
    sections = _sections(attributes, None if read_only else form, values)
    context = {
        "review": review,
        "roles": review_roles(request.user, review),
        "case": case,
        "coding": coding,
        "codebook": codebook,
        "form": None if read_only else form,
        "read_only": read_only,
        "sections": sections,
        "progress": _answered(sections),
        "errors": errors,
        "conflict": conflict,
        "storage_key": storage_key or f"coding:{review.slug}:{case.number}:{request.user.pk}",
        "attribute_labels": {a.key: a.label for a in attributes},
        "documents": case_documents(user=request.user, case=case),
        **(urls or _urls(request, review, case)),
    }
    return render(request, "coding/coding_form.html", context, status=status)


def _urls(request, review, case) -> dict:
    """Where the coding page's links and form go (a calibration round's coding page gives
    its own: coding.web.rounds)."""
    following = next_case(review=review, user=request.user, after=case)
    return {
        "next_case": following,
        "next_url": following and reverse("coding:coding_form",
                                          args=[review.slug, following.number]),
        "back_url": reverse("coding:queue", args=[review.slug]),
        "back_label": gettext("My cases"),
        "form_url": reverse("coding:coding_form", args=[review.slug, case.number]),
        "save_url": reverse("coding:coding_save", args=[review.slug, case.number]),
        "submitted_note": gettext("Your coding is read-only now; a review lead can reopen it "
                                  "if it needs changes."),
    }


@login_required
def queue(request, slug: str):
    review = get_review_for_page(request.user, slug, "queue")
    state = request.GET.get("state", "")
    if state not in QueueState.values:
        state = ""
    counts = coder_queue_counts(review=review, user=request.user)
    filters = [("", "All", counts["total"])] + [
        (s.value, s.label, counts[s.value]) for s in QueueState
    ]
    return render(
        request,
        "coding/queue.html",
        {
            "review": review,
            "roles": review_roles(request.user, review),
            # A page at a time: a coder of thousands of cases waited seconds for all.
            "page": Paginator(coder_queue(review=review, user=request.user, state=state or None),
                              CASES_PER_PAGE).get_page(request.GET.get("page")),
            "counts": counts,
            "state": state,
            "filters": filters,
            "next_case": next_case(review=review, user=request.user),
            "discussion": discussion_queue(review=review, user=request.user)
            if in_discussion_mode(review) else None,
            "rounds": coder_rounds(review=review, user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def coding_form(request, slug: str, number: str):
    """The coding page. Its form posts back here, so a refused Save draft or Submit shows the
    page again at its own address with the errors and what the coder entered; a success
    redirects here (redirect-after-post). The button pressed says which: `action=save`, else
    submit (the page's script posts the form without its button after a running save)."""
    review, case = _assigned_case(request, slug, number)
    coding = _own_coding(case, request.user)
    if request.method == "POST":
        if request.POST.get("action") == "save":
            return _save_draft(request, review, case, coding)
        return _submit(request, review, case, coding)
    return _render_form(request, review, case, coding)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _bound_form(request, review, coding) -> CodingForm:
    codebook = coding.codebook if coding else review.current_codebook()
    if codebook is None:
        raise Http404("This review has no codebook yet")
    return CodingForm(request.POST, attributes=_attributes(codebook))


def _save(request, case, coding, form) -> Coding:
    """Create the coding on its first save and save the form's values (one transaction)."""
    return coding_start_and_save_draft(
        case=case, user=request.user, values=form.values(),
        expected_version=form.cleaned_data["version"],
    )


def _save_draft(request, review, case, coding):
    """Save a draft. Answers JSON to the page's autosave, else redirects back."""
    form = _bound_form(request, review, coding)
    as_json = _wants_json(request)
    if not form.is_valid():
        errors = form.error_summary()
        if as_json:
            return JsonResponse(
                {"ok": False, "errors": errors, "message": gettext("Not saved: %(errors)s") % {
                    "errors": " ".join(errors)}},
                status=400,
            )
        return _render_form(request, review, case, coding, form=form, errors=errors, status=400)
    try:
        coding = _save(request, case, coding, form)
    except CodingConflict as conflict:
        if as_json:
            return JsonResponse(
                {"ok": False, "conflict": True, "message": conflict.messages[0]}, status=409
            )
        return _render_form(
            request, review, case, coding, form=form, conflict=conflict.messages[0], status=409
        )
    except ValidationError as error:
        if as_json:
            return JsonResponse(
                {"ok": False, "errors": error.messages, "message": " ".join(error.messages)},
                status=400,
            )
        return _render_form(
            request, review, case, coding, form=form, errors=error.messages, status=400
        )
    if as_json:
        return JsonResponse(
            {"ok": True, "version": coding.version, "saved_at": coding.updated_at.isoformat()}
        )
    messages.success(request, gettext("Draft saved."))
    return redirect("coding:coding_form", slug=review.slug, number=case.number)


def _submit(request, review, case, coding):
    """Save the form's values, then submit; on a refusal the values stay saved as a draft."""
    form = _bound_form(request, review, coding)
    if not form.is_valid():
        return _render_form(
            request, review, case, coding, form=form, errors=form.error_summary(), status=400
        )
    try:
        coding = _save(request, case, coding, form)
    except CodingConflict as conflict:
        return _render_form(
            request, review, case, coding, form=form, conflict=conflict.messages[0], status=409
        )
    except ValidationError as error:
        return _render_form(
            request, review, case, coding, form=form, errors=error.messages, status=400
        )
    try:
        coding_submit(coding=coding, expected_version=coding.version, user=request.user)
    except ValidationError as error:
        # The draft is saved; show it again at its new version with what is missing.
        return _render_form(
            request, review, case, _own_coding(case, request.user), errors=error.messages,
            status=400,
        )
    messages.success(
        request,
        gettext("Case %(number)s submitted. It is read-only now; a review lead can reopen "
                "it.") % {"number": case.number},
    )
    return redirect("coding:coding_form", slug=review.slug, number=case.number)


@post_only("coding:coding_form", "slug", "number")
@login_required
def coding_save(request, slug: str, number: str):
    """The autosave's endpoint (JSON); a plain form post here works as on the coding page."""
    review, case = _assigned_case(request, slug, number)
    return _save_draft(request, review, case, _own_coding(case, request.user))


@post_only("coding:coding_form", "slug", "number")
@login_required
def coding_submit_view(request, slug: str, number: str):
    """Submit by a plain form post, as older copies of the coding page did."""
    review, case = _assigned_case(request, slug, number)
    return _submit(request, review, case, _own_coding(case, request.user))


@login_required
def coding_detail(request, slug: str, pk: int):
    """One coding, read-only, for whoever the blind rule lets see it (404 for the rest)."""
    review = get_review_for_member(request.user, slug)
    coding = get_object_or_404(
        Coding.objects.select_related("case", "coder", "codebook", "case__review"),
        pk=pk,
        case__review=review,
    )
    if not coding_visible_to(request.user, coding):
        raise Http404("No such coding")
    if coding.coder_id == request.user.pk:
        return redirect("coding:coding_form", slug=review.slug, number=coding.case.number)
    attributes = _attributes(coding.codebook)
    return render(
        request,
        "coding/coding_detail.html",
        {
            "review": review,
            "roles": review_roles(request.user, review),
            "coding": coding,
            "case": coding.case,
            "sections": _sections(attributes, None, _values(coding)),
            "can_reopen": may_reopen_coding(request.user, coding),
            "documents": case_documents(user=request.user, case=coding.case),
            "reopen_url": reverse("coding:coding_reopen", args=[review.slug, coding.pk]),
        },
    )
