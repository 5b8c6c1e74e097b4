"""Creating a review in the browser: the New review page. Who may is the review policy's
(coding.reviews.policies.may_create_review); the review service checks the fields, makes
the creator its lead and audits it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from coding.models import ResolutionMode
from coding.reviews.policies import may_create_review
from coding.reviews.services import review_create
from coding.values import max_length


class ReviewForm(forms.Form):
    """The fields of a new review; what makes them right (a free slug, a title) is checked
    by review_create, which names the field."""

    title = forms.CharField(
        label=gettext_lazy("Title"), required=False,
        widget=forms.TextInput(attrs={"maxlength": max_length("review_title"),
                                      "required": True, "autocomplete": "off"}),
    )
    slug = forms.CharField(
        label=gettext_lazy("Short name (slug)"), required=False,
        help_text=gettext_lazy("The review's address: /reviews/<slug>/. Lower-case letters, "
                               "digits and hyphens; suggested from the title."),
        widget=forms.TextInput(attrs={"maxlength": 50, "required": True, "autocomplete": "off",
                                      "spellcheck": "false", "pattern": "[-a-zA-Z0-9_]+"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description (optional)"), required=False,
        help_text=gettext_lazy("What the review is about; readers see it once it is "
                               "published."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": max_length("review_description")}),
    )
    resolution_mode = forms.ChoiceField(
        label=gettext_lazy("When two coders’ submitted codings differ"),
        choices=ResolutionMode.choices, initial=ResolutionMode.ADJUDICATOR,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("You can change this later on the review's Progress page."),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_new(request):
    if not may_create_review(request.user):
        return render(request, "coding/review_new.html", {"refused": True}, status=403)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            review = review_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            fields = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
            for field, problems in fields.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, gettext("Review “%(title)s” created: you lead it. It is "
                                              "not published.") % {"title": review.title})
            return redirect("coding:progress", review.slug)
    return render(request, "coding/review_new.html", {"form": form},
                  status=400 if form.is_bound else 200)
