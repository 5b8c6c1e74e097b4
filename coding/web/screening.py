"""Eligibility screening pages: the screener's keyboard-first screening page (with its JSON
window of records and its decide/undo targets, which answer JSON to static/js/screening.js
and redirect a form without JavaScript), the lead's settings and assignment pages, the
conflicts queue and one conflict's page, and the decisions as long CSV. Every rule is
coding.screening.policies'; the views call its services and selectors."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from coding.adjudication.policies import in_discussion_mode
from coding.assignments.selectors import review_coders
from coding.exports import csv_write
from coding.models import (
    DisagreementStatus,
    Record,
    ScreeningConflict,
    ScreeningDecisionValue,
    ScreeningStage,
    ScreeningStages,
)
from coding.reviews.policies import get_review_for_member, get_review_for_page, review_roles
from coding.screening.policies import (
    conflict_decide_refusal,
    conflict_discuss_refusal,
    conflicts_visible_to,
    may_manage_screening,
    may_screen,
    may_view_conflicts,
    review_stages,
)
from coding.screening.selectors import (
    assignment_overview,
    conflict_list,
    decisions_table,
    default_stage,
    exclusion_reasons,
    first_undecided,
    screener_progress,
    screener_records,
    screening_settings,
    stage_choices,
)
from coding.screening.services import (
    screening_assign,
    screening_conflict_decide,
    screening_conflict_escalate,
    screening_conflict_propose,
    screening_decide,
    screening_settings_save,
    screening_undo_last,
    settings_version,
)
from coding.web.http import post_only


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _tabs(user, review) -> list[dict]:
    """The screening pages `user` may open, for the pages' own tab row."""
    tabs = []
    if may_screen(user, review):
        tabs.append({"name": "screening", "label": _("Screen"),
                     "url": reverse("coding:screening", args=[review.slug])})
    if may_view_conflicts(user, review):
        tabs.append({"name": "screening_conflicts", "label": _("Conflicts"),
                     "url": reverse("coding:screening_conflicts", args=[review.slug])})
    if may_manage_screening(user, review):
        tabs.append({"name": "screening_assign", "label": _("Assign screeners"),
                     "url": reverse("coding:screening_assign", args=[review.slug])})
        tabs.append({"name": "screening_settings", "label": _("Settings"),
                     "url": reverse("coding:screening_settings", args=[review.slug])})
    return tabs


def _context(request, review, **extra) -> dict:
    return {"review": review, "roles": review_roles(request.user, review),
            "tabs": _tabs(request.user, review), **extra}


def _stage(request, review, user) -> str:
    stage = request.GET.get("stage") or request.POST.get("stage") or ""
    if stage not in review_stages(review):
        stage = default_stage(user=user, review=review)
    return stage


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the screener's page --------------------------------------------------------------


@login_required
def screen(request, slug: str):
    """One record at a time (the screener's own assigned records at a stage, in record
    order), its criteria beside it, and a form per decision; the script takes over keys."""
    review = get_review_for_page(request.user, slug, "screening")
    user = request.user
    stage = _stage(request, review, user)
    wanted = _int(request.GET.get("record"))
    if wanted is None:
        wanted = first_undecided(user=user, review=review, stage=stage)
    window = screener_records(user=user, review=review, stage=stage, around=wanted, limit=1) \
        if wanted is not None else []
    current = window[0] if window else None
    previous = next_ = None
    if current is not None:
        before = screener_records(user=user, review=review, stage=stage,
                                  before=current["id"], limit=1)
        after = screener_records(user=user, review=review, stage=stage,
                                 after=current["id"], limit=1)
        previous = before[0]["id"] if before else None
        next_ = after[0]["id"] if after else None
    settings = screening_settings(review)
    reasons = exclusion_reasons(review) if stage == ScreeningStage.FULL_TEXT else []
    return render(request, "coding/screening.html", _context(
        request, review, stage=stage, stages=stage_choices(review), record=current,
        previous=previous, next=next_, criteria=settings.criteria, reasons=reasons,
        reasons_json=[{"key": r.key, "label": r.label} for r in reasons],
        progress=screener_progress(user=user, review=review, stage=stage),
        decisions=ScreeningDecisionValue.choices,
        discussion=in_discussion_mode(review),
        records_url=reverse("coding:screening_records", args=[review.slug]),
        decide_url=reverse("coding:screening_decide", args=[review.slug]),
        undo_url=reverse("coding:screening_undo", args=[review.slug]),
    ))


@login_required
def records_json(request, slug: str):
    """A window of the screener's records (?stage=&after=|before=|around=&limit=) and their
    own progress, for static/js/screening.js."""
    review = get_review_for_page(request.user, slug, "screening")
    stage = _stage(request, review, request.user)
    rows = screener_records(
        user=request.user, review=review, stage=stage, after=_int(request.GET.get("after")),
        before=_int(request.GET.get("before")), around=_int(request.GET.get("around")),
        limit=_int(request.GET.get("limit")) or 50)
    return JsonResponse({"stage": stage, "records": rows, "progress": screener_progress(
        user=request.user, review=review, stage=stage)})


def _record_for(review, pk) -> Record:
    record = Record.objects.filter(review=review, pk=_int(pk) or 0).select_related(
        "review").first()
    if record is None:
        raise Http404(_("No such record."))
    return record


def _after_decision(request, review, stage, record_id, *, error="", status=200, data=None):
    progress = screener_progress(user=request.user, review=review, stage=stage)
    if _wants_json(request):
        body = {"progress": progress, **(data or {})}
        if error:
            body["detail"] = error
        return JsonResponse(body, status=status)
    if error:
        messages.error(request, error)
        url = reverse("coding:screening", args=[review.slug]) + f"?stage={stage}"
        return redirect(f"{url}&record={record_id}" if record_id else url)
    url = reverse("coding:screening", args=[review.slug]) + f"?stage={stage}"
    return redirect(url)


@post_only("coding:screening", "slug")
@login_required
def decide(request, slug: str):
    """Save the screener's decision on one record (record, stage, decision, reason, note,
    version); JSON for the script, a redirect to the next record for a plain form."""
    review = get_review_for_page(request.user, slug, "screening")
    stage = _stage(request, review, request.user)
    record = _record_for(review, request.POST.get("record"))
    try:
        decision = screening_decide(
            record=record, stage=stage, user=request.user,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason") or None,
            note=request.POST.get("note", ""), version=_int(request.POST.get("version")))
    except ValidationError as error:
        code = getattr(error, "code", "")
        return _after_decision(request, review, stage, record.pk,
                               error=" ".join(error.messages),
                               status=409 if code == "conflict" else 400)
    return _after_decision(request, review, stage, record.pk, data={
        "record": record.pk, "decision": decision.decision,
        "reason": decision.reason.key if decision.reason_id else "",
        "version": decision.version})


@post_only("coding:screening", "slug")
@login_required
def undo(request, slug: str):
    """Withdraw the screener's last decision at the stage (the U key) and show that record."""
    review = get_review_for_page(request.user, slug, "screening")
    stage = _stage(request, review, request.user)
    try:
        record = screening_undo_last(review=review, stage=stage, user=request.user)
    except ValidationError as error:
        return _after_decision(request, review, stage, None, error=" ".join(error.messages),
                               status=400)
    if record is None:
        return _after_decision(request, review, stage, None,
                               error=_("Nothing to undo."), status=400)
    if _wants_json(request):
        return _after_decision(request, review, stage, record.pk, data={"record": record.pk})
    messages.success(request, _("Your decision on this record is withdrawn."))
    return redirect(reverse("coding:screening", args=[review.slug])
                    + f"?stage={stage}&record={record.pk}")


# --- the lead's pages -----------------------------------------------------------------


class SettingsForm(forms.Form):
    stages = forms.ChoiceField(label=gettext_lazy("Stages"), choices=ScreeningStages.choices,
                               widget=forms.RadioSelect)
    criteria = forms.CharField(
        label=gettext_lazy("Eligibility criteria"), required=False, max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("Shown beside every record; one criterion per line."))
    reasons = forms.CharField(
        label=gettext_lazy("Exclusion reasons at full text"), required=False,
        max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("One reason per line, in the order screeners see them (the "
                               "first is key 1). Add a line to add a reason, delete it to "
                               "remove it, move lines to reorder."))
    version = forms.CharField(required=False, widget=forms.HiddenInput)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request, slug: str):
    review = get_review_for_page(request.user, slug, "screening_manage")
    settings = screening_settings(review)
    initial = {"stages": settings.stages, "criteria": settings.criteria,
               "reasons": "\n".join(r.label for r in exclusion_reasons(review)),
               "version": settings_version(review)}
    form = SettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                screening_settings_save(
                    review=review, user=request.user, stages=data["stages"],
                    criteria=data["criteria"], reasons=data["reasons"].splitlines(),
                    version=data["version"] if data["version"] else None)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Screening settings saved."))
                return redirect("coding:screening_settings", slug=review.slug)
        status = 409 if any(getattr(e, "code", "") == "conflict"
                            for e in form.non_field_errors().as_data()) else 400
    return render(request, "coding/screening_settings.html", _context(
        request, review, form=form, resolution_mode=review.get_resolution_mode_display()),
        status=status)


class AssignForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("Stage"))
    screeners = forms.MultipleChoiceField(
        label=gettext_lazy("Screeners"), widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Two: both screen every record. More: each record gets the two "
                               "with the fewest records (balanced)."),
        error_messages={"required": gettext_lazy("Choose at least two screeners.")})

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stage_choices(review)
        self.people = {u.username: u for u in review_coders(review=review)}
        self.fields["screeners"].choices = [
            (u.username, f"{u.get_full_name() or u.username} ({u.username})")
            for u in self.people.values()]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assign_page(request, slug: str):
    """Assign every record still short of screeners at a stage (leads)."""
    review = get_review_for_page(request.user, slug, "screening_manage")
    form = AssignForm(request.POST or None, review=review)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            people = [form.people[n] for n in form.cleaned_data["screeners"]]
            try:
                made = screening_assign(review=review, user=request.user,
                                        stage=form.cleaned_data["stage"], screeners=people)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, ngettext("%(n)s assignment made.",
                                                   "%(n)s assignments made.", made)
                                 % {"n": made})
                return redirect("coding:screening_assign", slug=review.slug)
        status = 400
    return render(request, "coding/screening_assign.html", _context(
        request, review, form=form, overview=assignment_overview(review=review)),
        status=status)


@login_required
def decisions_csv(request, slug: str):
    """Every decision the lead may see as long CSV (a lead who screens gets nothing of the
    other screener's decision on a record they are blind on)."""
    review = get_review_for_page(request.user, slug, "screening_manage")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{review.slug}-screening-decisions.csv"')
    csv_write(decisions_table(review=review, viewer=request.user), response,
              lineterminator="\n")
    return response


# --- conflicts ------------------------------------------------------------------------


def _conflicts_review(user, slug):
    review = get_review_for_member(user, slug)
    if not may_view_conflicts(user, review):
        raise Http404(_("Not found."))
    return review


@login_required
def conflicts(request, slug: str):
    review = _conflicts_review(request.user, slug)
    status = request.GET.get("status", DisagreementStatus.OPEN)
    if status not in DisagreementStatus.values:
        status = DisagreementStatus.OPEN
    rows = list(conflict_list(user=request.user, review=review, status=status)[:500])
    return render(request, "coding/screening_conflicts.html", _context(
        request, review, conflicts=rows, status=status, discussion=in_discussion_mode(review),
        stage_labels=dict(ScreeningStage.choices)))


class SettleForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), widget=forms.RadioSelect,
        choices=[(ScreeningDecisionValue.INCLUDE, gettext_lazy("Include")),
                 (ScreeningDecisionValue.EXCLUDE, gettext_lazy("Exclude"))])
    reason = forms.ChoiceField(label=gettext_lazy("Exclusion reason"), required=False)
    rationale = forms.CharField(label=gettext_lazy("Rationale"), required=False,
                                max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—")] + [(r.key, r.label) for r in reasons]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def conflict_page(request, slug: str, pk: int):
    review = _conflicts_review(request.user, slug)
    conflict = get_object_or_404(
        conflicts_visible_to(request.user, review, ScreeningConflict.objects.all())
        .select_related("record__search", "record__review", "decision_a__screener",
                        "decision_b__screener", "decision_a__reason", "decision_b__reason"),
        pk=pk)
    reasons = exclusion_reasons(review) if conflict.stage == ScreeningStage.FULL_TEXT else []
    form = SettleForm(request.POST or None, reasons=reasons)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "escalate":
                screening_conflict_escalate(conflict=conflict, user=request.user)
                messages.success(request, _("Escalated: an adjudicator decides it now."))
                return redirect("coding:screening_conflict", slug=review.slug, pk=conflict.pk)
            if form.is_valid():
                data = form.cleaned_data
                if action == "propose":
                    outcome = screening_conflict_propose(
                        conflict=conflict, user=request.user, decision=data["decision"],
                        reason=data["reason"] or None, rationale=data["rationale"])
                    messages.success(request, _("You both propose this: the conflict is "
                                                "settled.") if outcome else
                                     _("Proposal saved; the conflict is settled once the "
                                       "other screener proposes the same."))
                else:
                    screening_conflict_decide(
                        conflict=conflict, user=request.user, decision=data["decision"],
                        reason=data["reason"] or None, rationale=data["rationale"])
                    messages.success(request, _("Conflict settled."))
                return redirect("coding:screening_conflict", slug=review.slug, pk=conflict.pk)
        except ValidationError as error:
            form.add_error(None, error)
        status = 400
    user = request.user
    proposals = []
    for decision in (conflict.decision_a, conflict.decision_b):
        proposal = conflict.proposals.get(str(decision.screener_id))
        if proposal:
            proposals.append({"screener": decision.screener, **proposal})
    outcome = conflict.record.outcomes.filter(stage=conflict.stage).first()
    return render(request, "coding/screening_conflict.html", _context(
        request, review, conflict=conflict, record=conflict.record, form=form,
        stage_label=dict(ScreeningStage.choices)[conflict.stage],
        may_decide=conflict_decide_refusal(user, conflict) is None,
        decide_refusal=conflict_decide_refusal(user, conflict),
        may_discuss=conflict_discuss_refusal(user, conflict) is None,
        proposals=proposals, outcome=outcome, criteria=screening_settings(review).criteria),
        status=status)
