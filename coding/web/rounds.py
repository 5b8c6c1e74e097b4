"""Calibration rounds' pages: the leads' list and create form, a round's page (its coders'
cases, progress, and once complete its reliability and the cases where coders differed), the
round coding page (the review's coding form, posting to the round's services) and the lead's
"use these codings for the review"."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from coding.codings.services import CodingConflict
from coding.models import Case, RoundCoding, RoundValue
from coding.reliability.verdicts import Thresholds
from coding.reviews.policies import get_review_for_member, get_review_for_page, review_roles
from coding.rounds.policies import (
    get_round_for,
    is_round_coder,
    may_code_round_case,
    may_manage_rounds,
    may_promote_round,
    may_see_round_progress,
    may_see_round_results,
    round_short_of_coders,
)
from coding.rounds.selectors import (
    coder_round_cases,
    next_round_case,
    review_rounds,
    round_default_coders,
    round_differences,
    round_progress,
    round_report,
    rounds_chart,
)
from coding.rounds.services import (
    round_coding_start_and_save_draft,
    round_coding_submit,
    round_create,
    round_promote,
)
from coding.web.coding import _attributes, _render_form, _wants_json
from coding.web.forms import CodingForm
from coding.web.http import post_only
from coding.web.reliability import interval_rules, with_verdict

MAX_CASES_TEXT = 2000


def parse_case_numbers(text: str, numbers: list[str]) -> list[str]:
    """Case numbers from "1-5, 8 K01": single numbers and ranges of numeric ones, checked
    against the review's `numbers` (in case order); ValidationError naming what is unknown."""
    wanted, unknown = [], []
    for token in re.split(r"[\s,;]+", text.strip()):
        if not token:
            continue
        if token in numbers:
            wanted.append(token)
            continue
        match = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", token)
        if match and int(match[1]) <= int(match[2]):
            low, high = int(match[1]), int(match[2])
            found = [n for n in numbers if n.isdigit() and low <= int(n) <= high]
            if found:
                wanted.extend(found)
            else:
                unknown.append(token)
        else:
            unknown.append(token)
    if unknown:
        raise forms.ValidationError(gettext("No such case in this review: %(cases)s.") % {
            "cases": ", ".join(unknown[:10])})
    return list(dict.fromkeys(wanted))


class RoundForm(forms.Form):
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"),
                            help_text=gettext_lazy("E.g. “Pilot 1: first ten cases”."))
    cases = forms.CharField(
        max_length=MAX_CASES_TEXT, widget=forms.TextInput, label=gettext_lazy("Cases"),
        help_text=gettext_lazy("Case numbers and ranges, e.g. “1-5, 8, 12”."))
    coders = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Coders"),
        help_text=gettext_lazy("Every one codes every case of the round."),
        error_messages={"required": gettext_lazy("Choose at least two coders.")})

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review
        members = round_default_coders(review=review)
        self.members = {u.username: u for u in members}
        self.fields["coders"].choices = [
            (u.username, f"{u.get_full_name() or u.username} ({u.username})")
            for u in members]
        self.fields["coders"].initial = list(self.members)

    def clean_cases(self):
        numbers = list(Case.objects.filter(review=self.review).order_by("sort_key", "number")
                       .values_list("number", flat=True))
        wanted = parse_case_numbers(self.cleaned_data["cases"], numbers)
        if not wanted:
            raise forms.ValidationError(gettext("Give at least one case number."))
        return list(Case.objects.filter(review=self.review, number__in=wanted))

    def chosen_coders(self) -> list:
        return [self.members[name] for name in self.cleaned_data["coders"]]


def _chart(review, user) -> dict | None:
    chart = rounds_chart(review=review, user=user)
    return chart if chart["rounds"] else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rounds(request, slug: str):
    """The review's rounds and the form for the next one (leads)."""
    review = get_review_for_page(request.user, slug, "rounds")
    form = RoundForm(request.POST or None, review=review)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                round_ = round_create(review=review, title=form.cleaned_data["title"],
                                      cases=form.cleaned_data["cases"],
                                      coders=form.chosen_coders(), user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, gettext(
                    "Round %(number)s created: its coders find it on their My cases page.")
                    % {"number": round_.number})
                return redirect("coding:round_detail", slug=review.slug, number=round_.number)
        status = 400
    codebook = review.current_codebook()
    return render(request, "coding/rounds.html", {
        "review": review,
        "roles": review_roles(request.user, review),
        "rounds": review_rounds(review=review, user=request.user),
        "form": form,
        "codebook": codebook,
        "chart": _chart(review, request.user),
    }, status=status)


def _results(request, round_) -> dict:
    report = round_report(round_=round_, user=request.user)
    thresholds = Thresholds.of(round_.review)
    attributes = []
    for attribute in report["attributes"]:
        rows = []
        for row in attribute["rows"]:
            label = attribute["options"].get(row["option"]) if row["option"] else attribute[
                "label"]
            rows.append({**with_verdict(row, thresholds), "label": label})
        attributes.append({**attribute, "rows": rows})
    order = [a["key"] for a in report["attributes"]]
    return {
        "report": report,
        "attributes": attributes,
        "differences": round_differences(round_=round_, user=request.user, order=order),
        "good": thresholds.target, "tentative": thresholds.minimum, **interval_rules(),
    }


class PromoteForm(forms.Form):
    coder_1 = forms.ChoiceField(required=False, label=gettext_lazy("First coder"))
    coder_2 = forms.ChoiceField(required=False, label=gettext_lazy("Second coder"))

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self.coders = {u.username: u for u in round_.coders.order_by("username")}
        choices = [("", gettext("(nobody)"))] + [(name, name) for name in self.coders]
        self.fields["coder_1"].choices = choices
        self.fields["coder_2"].choices = choices

    def picked(self) -> list:
        names = [self.cleaned_data.get("coder_1"), self.cleaned_data.get("coder_2")]
        return [self.coders[n] for n in names if n]


@login_required
def round_detail(request, slug: str, number: int):
    review = get_review_for_member(request.user, slug)
    round_ = get_round_for(request.user, review, number)
    context = {
        "review": review,
        "roles": review_roles(request.user, review),
        "round": round_,
        "n_cases": round_.cases.count(),
        "coders": list(round_.coders.order_by("username")),
        "short_of_coders": round_short_of_coders(round_),
        "own_cases": (coder_round_cases(round_=round_, user=request.user)
                      if is_round_coder(request.user, round_) else None),
        "progress": (round_progress(round_=round_)
                     if may_see_round_progress(request.user, round_) else None),
        "may_promote": may_promote_round(request.user, round_),
        "promote_form": PromoteForm(round_=round_),
        "may_manage": may_manage_rounds(request.user, review),
        "current_codebook": review.current_codebook(),
    }
    if may_see_round_results(request.user, round_):
        context.update(_results(request, round_))
        context["chart"] = _chart(review, request.user)
    return render(request, "coding/round_detail.html", context)


@post_only("coding:round_detail", "slug", "number")
@login_required
def round_promote_view(request, slug: str, number: int):
    review = get_review_for_member(request.user, slug)
    round_ = get_round_for(request.user, review, number)
    form = PromoteForm(request.POST, round_=round_)
    if not form.is_valid():
        messages.error(request, gettext("Pick coders of the round."))
        return redirect("coding:round_detail", slug=review.slug, number=round_.number)
    try:
        result = round_promote(round_=round_, user=request.user, coders=form.picked())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        promoted = len(result["promoted"])
        text = ngettext(
            "%(count)s case now have these codings in the review; disagreements go to "
            "adjudication.",
            "%(count)s cases now have these codings in the review; disagreements go to "
            "adjudication.", promoted) % {"count": promoted}
        if result["skipped"]:
            text += " " + gettext("Left as they were: %(cases)s.") % {
                "cases": "; ".join(result["skipped"])}
        messages.success(request, text)
    return redirect("coding:round_detail", slug=review.slug, number=round_.number)


# --- the round coding page ---------------------------------------------------------------


def _round_case(request, slug: str, number: int, case_number: str):
    """The round and one of its cases, for a coder of the round (404 for everyone else)."""
    review = get_review_for_member(request.user, slug)
    round_ = get_round_for(request.user, review, number)
    if not is_round_coder(request.user, round_):
        raise Http404("No such case")
    case = get_object_or_404(round_.cases.prefetch_related("service_areas"), number=case_number)
    return review, round_, case


def _own(round_, case, user) -> RoundCoding | None:
    return RoundCoding.objects.select_related("codebook").filter(
        round=round_, case=case, coder=user).first()


def _render(request, review, round_, case, coding, **kwargs):
    values = [] if coding is None else list(
        RoundValue.objects.filter(coding=coding).select_related("attribute")
        .prefetch_related("options"))
    following = next_round_case(round_=round_, user=request.user, after=case)
    args = [review.slug, round_.number]
    urls = {
        "round": round_,
        "next_case": following,
        "next_url": following and reverse("coding:round_coding_form",
                                          args=[*args, following.number]),
        "back_url": reverse("coding:round_detail", args=args),
        "back_label": gettext("Round %(number)s") % {"number": round_.number},
        "form_url": reverse("coding:round_coding_form", args=[*args, case.number]),
        "save_url": reverse("coding:round_coding_save", args=[*args, case.number]),
        "submitted_note": gettext("Your round coding is read-only now: the round compares "
                                  "first answers."),
    }
    if coding is None and not may_code_round_case(request.user, round_, case):
        raise Http404("No such case")
    return _render_form(
        request, review, case, coding, codebook=round_.codebook, values=values, urls=urls,
        storage_key=f"round:{review.slug}:{round_.number}:{case.number}:{request.user.pk}",
        **kwargs)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def round_coding_form(request, slug: str, number: int, case_number: str):
    review, round_, case = _round_case(request, slug, number, case_number)
    coding = _own(round_, case, request.user)
    if request.method == "POST":
        if request.POST.get("action") == "save":
            return _save_draft(request, review, round_, case, coding)
        return _submit(request, review, round_, case, coding)
    return _render(request, review, round_, case, coding)


def _bound(request, round_) -> CodingForm:
    return CodingForm(request.POST, attributes=_attributes(round_.codebook))


def _save(request, round_, case, coding, form) -> RoundCoding:
    return round_coding_start_and_save_draft(
        round_=round_, case=case, user=request.user, values=form.values(),
        expected_version=form.cleaned_data["version"],
    )


def _save_draft(request, review, round_, case, coding):
    """As the review's coding page: JSON for the autosave, else redirect back."""
    form = _bound(request, round_)
    as_json = _wants_json(request)
    if not form.is_valid():
        errors = form.error_summary()
        if as_json:
            return JsonResponse({"ok": False, "errors": errors,
                                 "message": gettext("Not saved: %(errors)s") % {
                                     "errors": " ".join(errors)}}, status=400)
        return _render(request, review, round_, case, coding, form=form, errors=errors,
                       status=400)
    try:
        coding = _save(request, round_, case, coding, form)
    except CodingConflict as conflict:
        if as_json:
            return JsonResponse({"ok": False, "conflict": True,
                                 "message": conflict.messages[0]}, status=409)
        return _render(request, review, round_, case, coding, form=form,
                       conflict=conflict.messages[0], status=409)
    except ValidationError as error:
        if as_json:
            return JsonResponse({"ok": False, "errors": error.messages,
                                 "message": " ".join(error.messages)}, status=400)
        return _render(request, review, round_, case, coding, form=form, errors=error.messages,
                       status=400)
    if as_json:
        return JsonResponse({"ok": True, "version": coding.version,
                             "saved_at": coding.updated_at.isoformat()})
    messages.success(request, gettext("Draft saved."))
    return redirect("coding:round_coding_form", slug=review.slug, number=round_.number,
                    case_number=case.number)


def _submit(request, review, round_, case, coding):
    form = _bound(request, round_)
    if not form.is_valid():
        return _render(request, review, round_, case, coding, form=form,
                       errors=form.error_summary(), status=400)
    try:
        coding = _save(request, round_, case, coding, form)
    except CodingConflict as conflict:
        return _render(request, review, round_, case, coding, form=form,
                       conflict=conflict.messages[0], status=409)
    except ValidationError as error:
        return _render(request, review, round_, case, coding, form=form, errors=error.messages,
                       status=400)
    try:
        round_coding_submit(coding=coding, expected_version=coding.version, user=request.user)
    except ValidationError as error:
        return _render(request, review, round_, case, _own(round_, case, request.user),
                       errors=error.messages, status=400)
    messages.success(request, gettext("Case %(number)s submitted in round %(round)s.") % {
        "number": case.number, "round": round_.number})
    return redirect("coding:round_coding_form", slug=review.slug, number=round_.number,
                    case_number=case.number)


@post_only("coding:round_coding_form", "slug", "number", "case_number")
@login_required
def round_coding_save(request, slug: str, number: int, case_number: str):
    """The autosave's endpoint (JSON)."""
    review, round_, case = _round_case(request, slug, number, case_number)
    return _save_draft(request, review, round_, case, _own(round_, case, request.user))
