"""Adjudication pages: the queue of cases with disagreements and one page per case.

Adjudicators and leads see them (leads read-only unless also adjudicators); coders
and outsiders get 404. An adjudicator sees a case they coded but cannot decide it.

The case page's forms post back to it (an "action": resolve, reopen or comment, and the
attribute's "key"), so a refused decision shows the page again at its own address with the
message and what was entered; a success redirects to the page (post/redirect/get), as the
coding page does. The older per-action addresses (…/<key>/decide/ and so on) still answer
a post, for pages opened before.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from coding.adjudication.policies import (
    NOT_READY_MESSAGE,
    awaiting_discussion,
    case_coder_ids,
    decide_refusal,
    in_discussion_mode,
    reopen_refusal,
    threads_visible_to,
)
from coding.adjudication.selectors import (
    QUEUE_STATUSES,
    adjudication_queue,
    case_adjudication,
    discussion_threads,
)
from coding.adjudication.services import (
    disagreement_comment,
    disagreement_reopen,
    disagreement_resolve,
)
from coding.documents.selectors import case_documents
from coding.models import AttributeKind, Case, Disagreement, DisagreementStatus
from coding.reviews.languages import translated
from coding.reviews.policies import get_review_for_page, review_roles
from coding.values import value_text
from coding.web.forms import text_field
from coding.web.http import post_only


def value_field(attribute, label: str) -> forms.Field:
    """A form field for one value of `attribute` (its kind decides the widget), optional:
    the service says what is missing (coding.adjudication.services.parse_value)."""
    options = [(o.key, o.label) for o in attribute.options.all()]
    if attribute.kind == AttributeKind.SINGLE:
        field = forms.ChoiceField(choices=[("", "Choose…"), *options], required=False)
    elif attribute.kind == AttributeKind.MULTI:
        field = forms.MultipleChoiceField(
            choices=options, required=False, widget=forms.CheckboxSelectMultiple
        )
    elif attribute.kind == AttributeKind.NUMBER:
        field = forms.FloatField(required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    else:
        field = forms.ChoiceField(
            choices=[("yes", _("Yes")), ("no", _("No"))], required=False, widget=forms.RadioSelect
        )
    field.label = label
    return field


class ResolveForm(forms.Form):
    """One disagreement's decision; the "other value" field follows the attribute kind."""

    choice = forms.ChoiceField(widget=forms.RadioSelect, label=_("Decision"))
    rationale = text_field("rationale", rows=3, label=_("Rationale (required)"))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, row, names, **kwargs):
        super().__init__(*args, prefix=row.attribute.key, **kwargs)
        attribute = row.attribute
        self.attribute = attribute
        self.fields["choice"].choices = [
            ("a", gettext("%(name)s’s value: %(value)s") % {
                "name": names[0], "value": value_text(row.a, empty=gettext("not coded"))}),
            ("b", gettext("%(name)s’s value: %(value)s") % {
                "name": names[1], "value": value_text(row.b, empty=gettext("not coded"))}),
            ("other", gettext("Another value:")),
        ]
        self.fields["value"] = value_field(attribute, gettext(
            "Another value for %(attribute)s") % {"attribute": translated(attribute)})
        self.initial.setdefault("expected_version", row.version)

    def clean(self):
        data = super().clean()
        if data.get("choice") == "other" and self.attribute.kind != AttributeKind.MULTI:
            if data.get("value") in (None, ""):
                self.add_error(
                    "value", gettext("Give the other value, or choose a coder’s value."))
        return data


class CommentForm(forms.Form):
    body = text_field("rationale", rows=2, label=_("Comment"))


class ReopenForm(forms.Form):
    reason = text_field("rationale", label=_("Reason for reopening (required)"))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, row, **kwargs):
        super().__init__(*args, prefix=f"reopen-{row.attribute.key}", **kwargs)
        self.initial.setdefault("expected_version", row.version)


@login_required
def queue(request, slug: str):
    review = get_review_for_page(request.user, slug, "adjudication")
    status = request.GET.get("status", DisagreementStatus.OPEN)
    if status not in QUEUE_STATUSES:
        status = DisagreementStatus.OPEN
    attribute = request.GET.get("attribute", "")
    pair = request.GET.get("pair", "")
    data = adjudication_queue(
        review=review, user=request.user, attribute=attribute, pair=pair, status=status
    )
    return render(request, "coding/adjudication_queue.html", {
        "review": review,
        "roles": review_roles(request.user, review),
        "status": status, "attribute": attribute, "pair": pair, **data,
        "statuses": QUEUE_STATUSES, "discussion_mode": in_discussion_mode(review),
    })


def _names(data) -> tuple[str, str]:
    return tuple(c.coder.get_full_name() or c.coder.username
                 for c in (data["coding_a"], data["coding_b"]))


def _page(request, review, case, *, bound=None, status=200):
    """Render the case page; `bound` = (attribute key, "resolve"|"reopen"|"comment", bound
    form)."""
    data = case_adjudication(case=case)
    coders = case_coder_ids(case)
    refusal = decide_refusal(request.user, case, coders)
    can_decide, why_not = refusal is None, refusal[1] if refusal else ""
    can_reopen = reopen_refusal(request.user, case, coders) is None
    names = _names(data) if data["ready"] else ("Coder A", "Coder B")
    rows = [row for section in data["sections"] for row in section["rows"]]
    disagreements = [row.disagreement for row in rows if row.disagreement is not None]
    for disagreement in disagreements:
        disagreement.case = case
    threads = discussion_threads(disagreements, viewer=request.user)
    # Everyone who opens this page may read the threads (disagreements_visible_to); who
    # may write in them is comment_refusal's to say.
    commenting = set(threads_visible_to(
        request.user, review, Disagreement.objects.filter(pk__in=threads)
    ).values_list("pk", flat=True)) if data["ready"] else set()
    for row in rows:
        key = row.attribute.key
        if row.disagreement is not None:
            row.thread = threads[row.disagreement.pk]
            row.discussing = awaiting_discussion(row.disagreement)
            if row.disagreement.pk in commenting:
                row.comment_form = CommentForm(prefix=f"comment-{key}")
        if can_decide and row.state == DisagreementStatus.OPEN and not row.discussing:
            row.form = ResolveForm(row=row, names=names)
        if can_reopen and row.state == DisagreementStatus.RESOLVED and row.disagreement:
            row.reopen_form = ReopenForm(row=row)
        if bound and bound[0] == key:
            setattr(row, {"resolve": "form", "reopen": "reopen_form",
                          "comment": "comment_form"}[bound[1]], bound[2])
    return render(request, "coding/adjudication_case.html", {
        "review": review,
        "roles": review_roles(request.user, review),
        "case": case,
        "names": names,
        "can_decide": can_decide,
        "why_not": why_not,
        "complete": data["ready"] and data["open"] == 0,
        "documents": case_documents(user=request.user, case=case),
        **data,
    }, status=status)


def _case(review, number: str) -> Case:
    case = get_object_or_404(Case, review=review, number=number)
    case.review = review
    return case


ACTIONS = ("resolve", "reopen", "comment")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_page(request, slug: str, number: str):
    review = get_review_for_page(request.user, slug, "adjudication")
    case = _case(review, number)
    if request.method == "POST":
        action, key = request.POST.get("action", ""), request.POST.get("key", "")
        if action not in ACTIONS or not key:
            messages.error(request, gettext("Choose what to do: decide, reopen or comment."))
            return redirect(_back(review, case))
        return {"resolve": _resolve, "reopen": _reopen, "comment": _comment}[action](
            request, review, case, key)
    return _page(request, review, case)


class NotReady(Exception):
    """A coding of the case was reopened: nothing can be decided until it is resubmitted."""


def _row_for(case, key):
    data = case_adjudication(case=case)
    if not data["ready"]:
        raise NotReady
    for section in data["sections"]:
        for row in section["rows"]:
            if row.attribute.key == key:
                return row, data
    raise PermissionDenied(gettext("No such attribute in this case's codebook."))


def _back(review, case, key: str = "") -> str:
    url = reverse("coding:adjudication_case", args=[review.slug, case.number])
    return f"{url}#attr-{key}" if key else url


def _disagreement(case, key) -> Disagreement:
    return get_object_or_404(
        Disagreement.objects.select_related("case__review", "attribute"),
        case=case, attribute__key=key,
    )


@post_only("coding:adjudication_case", "slug", "number", anchor="#attr-{key}")
@login_required
def resolve(request, slug: str, number: str, key: str):
    review = get_review_for_page(request.user, slug, "adjudication")
    return _resolve(request, review, _case(review, number), key)


def _resolve(request, review, case, key: str):
    if refusal := decide_refusal(request.user, case):
        raise PermissionDenied(refusal[1])
    disagreement = _disagreement(case, key)
    try:
        row, data = _row_for(case, key)
    except NotReady:
        messages.error(request, gettext(NOT_READY_MESSAGE))
        return redirect(_back(review, case))
    names = _names(data)
    form = ResolveForm(request.POST, row=row, names=names)
    if form.is_valid():
        try:
            disagreement_resolve(
                disagreement=disagreement, user=request.user,
                choice=form.cleaned_data["choice"], value=form.cleaned_data.get("value"),
                rationale=form.cleaned_data["rationale"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            conflict = getattr(error, "code", None) == "conflict"
            return _page(request, review, case, bound=(key, "resolve", form),
                         status=409 if conflict else 400)
        messages.success(request, gettext("Decision saved for %(attribute)s.") % {
            "attribute": row.attribute.label})
        return redirect(_back(review, case, key))
    return _page(request, review, case, bound=(key, "resolve", form), status=400)


@post_only("coding:adjudication_case", "slug", "number", anchor="#attr-{key}")
@login_required
def comment(request, slug: str, number: str, key: str):
    """A comment on a disagreement's thread, from its adjudication page (adjudicators and
    leads, in both modes; coding.adjudication.policies.comment_refusal)."""
    review = get_review_for_page(request.user, slug, "adjudication")
    return _comment(request, review, _case(review, number), key)


def _comment(request, review, case, key: str):
    disagreement = _disagreement(case, key)
    disagreement.case = case
    form = CommentForm(request.POST, prefix=f"comment-{key}")
    if form.is_valid():
        try:
            disagreement_comment(
                disagreement=disagreement, user=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "role":
                raise PermissionDenied(" ".join(error.messages)) from None
            form.add_error(None, error)
            return _page(request, review, case, bound=(key, "comment", form), status=400)
        messages.success(request, gettext("Comment added to %(attribute)s.") % {
            "attribute": disagreement.attribute.label})
        return redirect(_back(review, case, key))
    return _page(request, review, case, bound=(key, "comment", form), status=400)


@post_only("coding:adjudication_case", "slug", "number", anchor="#attr-{key}")
@login_required
def reopen(request, slug: str, number: str, key: str):
    review = get_review_for_page(request.user, slug, "adjudication")
    return _reopen(request, review, _case(review, number), key)


def _reopen(request, review, case, key: str):
    if refusal := reopen_refusal(request.user, case):
        raise PermissionDenied(refusal[1])
    disagreement = _disagreement(case, key)
    try:
        row, _ = _row_for(case, key)
    except NotReady:
        messages.error(request, gettext(NOT_READY_MESSAGE))
        return redirect(_back(review, case))
    form = ReopenForm(request.POST, row=row)
    if form.is_valid():
        try:
            disagreement_reopen(
                disagreement=disagreement, user=request.user, reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            conflict = getattr(error, "code", None) == "conflict"
            return _page(request, review, case, bound=(key, "reopen", form),
                         status=409 if conflict else 400)
        messages.success(request, gettext("%(attribute)s is open again for a new decision.") % {
            "attribute": row.attribute.label})
        return redirect(_back(review, case, key))
    return _page(request, review, case, bound=(key, "reopen", form), status=400)
