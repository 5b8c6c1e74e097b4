"""Discussion pages (a review in discussion mode): a coder's disagreements to discuss, and
one case's page where its two coders see both codings of each disagreement side by side,
comment, propose values, accept the other's proposal and escalate to an adjudicator.

The case page's forms post back to it (an "action" and the attribute's "key"), so a refused
comment or proposal shows the page again at its own address with the message and what was
typed; a success redirects to the page (post/redirect/get). Who may do what is
coding.adjudication.policies'; a coder who does not discuss the case gets 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from coding.adjudication.policies import (
    disagreements_to_discuss,
    in_discussion_mode,
    settle_refusal,
)
from coding.adjudication.selectors import case_adjudication, discussion_queue, discussion_threads
from coding.adjudication.services import (
    disagreement_accept,
    disagreement_comment,
    disagreement_escalate,
    disagreement_propose,
)
from coding.documents.selectors import case_documents
from coding.models import Case, Disagreement
from coding.reviews.policies import get_review_for_page, review_roles
from coding.values import value_text
from coding.web.adjudication import CommentForm, value_field
from coding.web.forms import text_field

ACTIONS = ("comment", "propose", "accept", "escalate")


class ProposeForm(forms.Form):
    body = text_field("rationale", rows=2, required=False, label=gettext_lazy("Why (optional)"))

    def __init__(self, *args, attribute, **kwargs):
        super().__init__(*args, prefix=f"propose-{attribute.key}", **kwargs)
        self.fields["value"] = value_field(attribute, gettext(
            "Propose a value for %(attribute)s") % {"attribute": attribute.label})


class EscalateForm(forms.Form):
    body = text_field("rationale", rows=2, required=False, label=gettext_lazy("Why (optional)"))


class AcceptForm(forms.Form):
    proposal = forms.IntegerField(min_value=1)


def _forms(action: str, row, data=None):
    key = row.attribute.key
    if action == "comment":
        return CommentForm(data, prefix=f"comment-{key}")
    if action == "propose":
        return ProposeForm(data, attribute=row.attribute)
    if action == "escalate":
        return EscalateForm(data, prefix=f"escalate-{key}")
    return AcceptForm(data, prefix=f"accept-{key}")


@login_required
def queue(request, slug: str):
    review = get_review_for_page(request.user, slug, "discussion")
    return render(request, "coding/discussion_queue.html", {
        "review": review,
        "roles": review_roles(request.user, review),
        "discussion_mode": in_discussion_mode(review),
        **discussion_queue(review=review, user=request.user),
    })


def _rows(user, review, case) -> tuple[dict, list]:
    """The case's page data and the rows of the disagreements `user` discusses; 404 when
    there are none (not their case, not ready, or not discussion mode: no hint which)."""
    mine = set(
        disagreements_to_discuss(user, review, Disagreement.objects.filter(case=case))
        .values_list("pk", flat=True)
    )
    data = case_adjudication(case=case) if mine else {"ready": False}
    if not data["ready"]:
        raise Http404("Nothing to discuss here")
    rows = [row for section in data["sections"] for row in section["rows"]
            if row.disagreement is not None and row.disagreement.pk in mine]
    for row in rows:
        row.disagreement.case = case
    threads = discussion_threads([row.disagreement for row in rows], viewer=user)
    for row in rows:
        row.thread = threads[row.disagreement.pk]
    return data, rows


def _url(review, case, key: str = "") -> str:
    url = reverse("coding:discussion_case", args=[review.slug, case.number])
    return f"{url}#attr-{key}" if key else url


def _render(request, review, case, *, bound=None, status=200):
    """The case page; `bound` = (attribute key, action, bound form)."""
    data, rows = _rows(request.user, review, case)
    user = request.user
    mine_is_a = data["coding_a"].coder_id == user.pk
    partner = data["coding_b"] if mine_is_a else data["coding_a"]
    for row in rows:
        key = row.attribute.key
        row.comment_form = _forms("comment", row)
        row.settle_refusal = settle_refusal(user, row.disagreement)
        if row.settle_refusal is None:
            row.propose_form = _forms("propose", row)
            row.escalate_form = _forms("escalate", row)
            for comment in row.thread["comments"]:
                if comment["proposal_display"] is not None and not comment["accepted_by_me"]:
                    comment["accept_form"] = {"action": _url(review, case, key), "key": key}
        row.accept_errors = []
        if bound and bound[0] == key:
            action, form = bound[1], bound[2]
            if action == "accept":
                row.accept_errors = form.non_field_errors() or [
                    e for errors in form.errors.values() for e in errors]
            else:
                setattr(row, f"{action}_form", form)
        row.mine, row.theirs = (row.a, row.b) if mine_is_a else (row.b, row.a)
        row.mine_stored, row.theirs_stored = (
            (row.stored_a, row.stored_b) if mine_is_a else (row.stored_b, row.stored_a)
        )
        row.mine_text = value_text(row.mine, empty=gettext("not coded"))
        row.theirs_text = value_text(row.theirs, empty=gettext("not coded"))
    return render(request, "coding/discussion_case.html", {
        "review": review,
        "roles": review_roles(user, review),
        "case": case,
        "rows": rows,
        "partner": partner.coder.get_full_name() or partner.coder.username,
        "documents": case_documents(user=user, case=case),
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_page(request, slug: str, number: str):
    review = get_review_for_page(request.user, slug, "discussion")
    case = get_object_or_404(Case, review=review, number=number)
    case.review = review
    if request.method == "POST":
        return _act(request, review, case)
    return _render(request, review, case)


def _act(request, review, case):
    action, key = request.POST.get("action", ""), request.POST.get("key", "")
    disagreement = get_object_or_404(
        disagreements_to_discuss(request.user, review, Disagreement.objects.filter(case=case))
        .select_related("attribute", "coding_a", "coding_b"),
        attribute__key=key,
    )
    disagreement.case = case
    if action not in ACTIONS:
        messages.error(request, gettext(
            "Choose what to do: comment, propose, accept or escalate."))
        return redirect(_url(review, case, key))
    _, rows = _rows(request.user, review, case)
    row = next(r for r in rows if r.attribute.key == key)
    form = _forms(action, row, request.POST)
    if form.is_valid():
        try:
            message = _apply(action, disagreement, request.user, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, message)
            return redirect(_url(review, case, key))
    return _render(request, review, case, bound=(key, action, form), status=400)


def _apply(action: str, disagreement, user, data) -> str:
    """Call the service for `action`; what to tell the coder when it succeeded."""
    label = disagreement.attribute.label
    if action == "comment":
        disagreement_comment(disagreement=disagreement, user=user, body=data["body"])
        return gettext("Comment added to %(attribute)s.") % {"attribute": label}
    if action == "escalate":
        disagreement_escalate(disagreement=disagreement, user=user, body=data["body"])
        return gettext("%(attribute)s is escalated: an adjudicator decides it now, reading this "
                       "discussion.") % {"attribute": label}
    if action == "propose":
        settled = disagreement_propose(
            disagreement=disagreement, user=user, value=data.get("value"), body=data["body"]
        )
    else:
        settled = disagreement_accept(
            disagreement=disagreement, user=user, proposal=data["proposal"]
        )
    if settled.consensus is not None:
        return gettext("You both accept this value for %(attribute)s: it is the consensus now, "
                       "agreed after discussion.") % {"attribute": label}
    if action == "propose":
        return gettext("Proposal added for %(attribute)s; it becomes the consensus once it is "
                       "accepted.") % {"attribute": label}
    return gettext("You accept this value for %(attribute)s.") % {"attribute": label}
