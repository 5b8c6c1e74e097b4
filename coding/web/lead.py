"""Review lead pages: progress of the coding, assignment and reopening codings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from coding.assignments.selectors import (
    CaseState,
    case_progress,
    case_state_counts,
    coder_progress,
    review_coders,
)
from coding.assignments.services import assignment_set, cases_assign
from coding.codings.policies import codings_visible_to
from coding.codings.services import coding_reopen
from coding.models import Assignment, Case, Coding, ResolutionMode
from coding.reviews.policies import get_review_for_page, review_roles
from coding.reviews.selectors import review_setup
from coding.reviews.services import review_set_resolution_mode
from coding.web.forms import AssignCaseForm
from coding.web.http import post_only

CASES_PER_PAGE = 100


def _assign_form(review, data=None, initial=None) -> AssignCaseForm:
    return AssignCaseForm(
        data,
        initial=initial,
        cases=Case.objects.filter(review=review).order_by("sort_key", "number"),
        coders=review_coders(review=review),
    )


@login_required
def progress(request, slug: str):
    review = get_review_for_page(request.user, slug, "progress")
    state = request.GET.get("state", "")
    counts = case_state_counts(review=review, viewer=request.user)
    if state not in counts:
        state = ""
    cases = case_progress(review=review, viewer=request.user, state=state or None)
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    cases = list(page.object_list)
    labels = dict(CaseState.choices)
    for case in cases:
        case.state_label = labels[case.state]
    filters = [("", gettext("All cases"), sum(counts[s] for s in CaseState.values))]
    filters += [
        (s.value, s.label, counts[s.value])
        for s in CaseState if s != CaseState.HIDDEN or counts[s.value]
    ]
    filters.append(("needs_coders", gettext("Needs coders"), counts["needs_coders"]))
    setup = review_setup(review)
    initial = {}
    chosen = request.GET.get("case")
    if chosen:
        initial["case"] = chosen
        coders = Assignment.objects.filter(case__review=review, case__number=chosen)
        coders = coders.order_by("assigned_at", "pk").values_list("coder__username", flat=True)
        initial.update(zip(["coder_1", "coder_2"], coders, strict=False))
    return render(
        request,
        "coding/progress.html",
        {
            "review": review,
            "roles": review_roles(request.user, review),
            "coders": coder_progress(review=review, viewer=request.user),
            "cases": cases,
            "page": page,
            "state": state,
            "filters": filters,
            "assign_form": _assign_form(review, initial=initial),
            # The review's coders, counted with the first steps' figures (one query).
            "coder_count": setup["coders"],
            "resolution_modes": ResolutionMode.choices,
            "setup": setup,
        },
    )


def _progress_url(review, anchor: str = "") -> str:
    return reverse("coding:progress", args=[review.slug]) + anchor


@post_only("coding:progress", "slug")
@login_required
def assign_auto(request, slug: str):
    """Give every case with fewer than two coders its coders, balancing load."""
    review = get_review_for_page(request.user, slug, "progress")
    try:
        created = cases_assign(
            review=review, coders=list(review_coders(review=review)), assigned_by=request.user
        )
    except ValidationError as error:
        messages.error(request, gettext("Nothing assigned.") + " " + " ".join(error.messages))
    else:
        if created:
            cases = len({a.case_id for a in created})
            messages.success(
                request,
                gettext("Assigned %(places)s across %(cases)s.") % {
                    "places": ngettext("%(count)s coder place", "%(count)s coder places",
                                       len(created)) % {"count": len(created)},
                    "cases": ngettext("%(count)s case", "%(count)s cases",
                                      cases) % {"count": cases}},
            )
        else:
            messages.info(request, gettext("Every case already has two coders; nothing changed."))
    return redirect(_progress_url(review))


@post_only("coding:progress", "slug")
@login_required
def assign_case(request, slug: str):
    """Hand-assign or reassign one case."""
    review = get_review_for_page(request.user, slug, "progress")
    form = _assign_form(review, data=request.POST)
    if not form.is_valid():
        errors = [e for errors in form.errors.values() for e in errors]
        messages.error(request, gettext("Assignment not changed.") + " " + " ".join(errors))
        return redirect(_progress_url(review, "#assign"))
    case = form.cleaned_data["case"]
    try:
        assignment_set(case=case, coders=form.coders(), assigned_by=request.user)
    except ValidationError as error:
        messages.error(request, gettext("Assignment not changed.") + " "
                       + " ".join(error.messages))
        return redirect(_progress_url(review, "#assign"))
    people = [c.get_full_name() or c.username for c in form.coders()]
    if len(people) == 2:
        names = gettext("%(first)s and %(second)s") % {"first": people[0], "second": people[1]}
    else:
        names = people[0] if people else gettext("nobody")
    messages.success(request, gettext("Case %(number)s is now assigned to %(names)s.") % {
        "number": case.number, "names": names})
    return redirect(_progress_url(review, f"#case-{case.number}"))


@post_only("coding:progress", "slug", anchor="#resolution")
@login_required
def resolution_mode(request, slug: str):
    """How the review settles disagreements: an adjudicator, or the coders discuss first."""
    review = get_review_for_page(request.user, slug, "progress")
    mode = request.POST.get("resolution_mode", "")
    try:
        changed = review_set_resolution_mode(review=review, actor=request.user, mode=mode)
    except ValidationError as error:
        messages.error(request, gettext("Not changed.") + " " + " ".join(error.messages))
    else:
        if changed:
            messages.success(request, gettext("Disagreements: %(mode)s.") % {
                "mode": ResolutionMode(mode).label.lower()})
        else:
            messages.info(request, gettext("That is the review's resolution mode already."))
    return redirect(_progress_url(review, "#resolution"))


@post_only("coding:coding_detail", "slug", "pk")
@login_required
def reopen(request, slug: str, pk: int):
    review = get_review_for_page(request.user, slug, "progress")
    # Found among the codings the blind rule lets the lead see: another coder's coding of a
    # case the lead codes is a 404, exactly as a missing id.
    coding = get_object_or_404(
        codings_visible_to(request.user, Coding.objects.filter(case__review=review)), pk=pk
    )
    try:
        coding_reopen(coding=coding, user=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            gettext("Reopened %(coder)s's coding of case %(number)s; it is a draft again.") % {
                "coder": coding.coder.get_full_name() or coding.coder.username,
                "number": coding.case.number},
        )
    return redirect(_progress_url(review, f"#case-{coding.case.number}"))
