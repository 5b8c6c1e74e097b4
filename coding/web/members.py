"""Members page for a review's leads, and the invitee's page that accepts an invitation."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from coding.members.policies import (
    get_review_for_member_manager,
    invitation_accept_refusal,
    memberships_manageable_by,
)
from coding.members.selectors import invitation_from_token, pending_invitations, review_members
from coding.members.services import (
    invitation_accept,
    invitation_accept_new_account,
    invitation_revoke,
    member_add_or_invite,
    member_remove,
    member_set_roles,
)
from coding.models import Invitation, Role
from coding.reviews.policies import pages_for_roles, review_roles
from coding.web.http import post_only

ROLE_CHOICES = Role.choices


class AddMemberForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("Username or e-mail"), max_length=254,
        help_text=gettext_lazy(
            "An existing account is added at once; a new e-mail address gets an invitation."),
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"),
        choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, initial=[Role.CODER],
        error_messages={"required": gettext_lazy("Choose at least one role.")},
    )


class RolesForm(forms.Form):
    user = forms.CharField()
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


class AcceptForm(forms.Form):
    username = forms.CharField(
        max_length=150, label=gettext_lazy("Username"),
        help_text=gettext_lazy("Letters, digits and @ . + - _ only; you sign in with it."),
        validators=[get_user_model().username_validator],
    )
    first_name = forms.CharField(max_length=150, label=gettext_lazy("First name"))
    last_name = forms.CharField(max_length=150, label=gettext_lazy("Last name"), required=False)
    password1 = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=gettext_lazy("Password again"), widget=forms.PasswordInput)

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", gettext("The two passwords differ."))
        elif first:
            user = get_user_model()(
                username=data.get("username", ""), email=self.email,
                first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
            )
            try:
                validate_password(first, user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


def _members_url(review) -> str:
    return reverse("coding:members", args=[review.slug])


def _name(user) -> str:
    return user.get_full_name() or user.username


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def members(request, slug: str):
    """The members page. Its add form posts back here, so a refused add (unknown username,
    bad address, no role) shows the page again at its own address with the message and what
    was typed; a success redirects here."""
    review = get_review_for_member_manager(request.user, slug)
    if request.method == "POST":
        return _add(request, review)
    return _members_page(request, review)


def _members_page(request, review, add_form: AddMemberForm | None = None):
    return render(
        request,
        "coding/members.html",
        {
            "review": review,
            "roles": review_roles(request.user, review),
            "members": review_members(review=review, viewer=request.user),
            "invitations": pending_invitations(review=review),
            "add_form": add_form or AddMemberForm(),
            "role_choices": ROLE_CHOICES,
            "now": timezone.now(),
        },
        status=400 if add_form is not None else 200,
    )


@post_only("coding:members", "slug")
@login_required
def member_add(request, slug: str):
    """The add form's older address (pages opened before it posted to the members page)."""
    return _add(request, get_review_for_member_manager(request.user, slug))


def _add(request, review):
    form = AddMemberForm(request.POST)
    if not form.is_valid():
        return _members_page(request, review, add_form=form)
    try:
        kind, result = member_add_or_invite(
            review=review, identifier=form.cleaned_data["identifier"],
            roles=form.cleaned_data["roles"], actor=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        form.add_error("identifier", error)
        return _members_page(request, review, add_form=form)
    if kind == "member":
        messages.success(request, gettext("%(name)s is now a member of this review.") % {
            "name": _name(result)})
    else:
        messages.success(
            request,
            gettext("Invitation sent to %(email)s; the link works until %(date)s (UTC).") % {
                "email": result.email, "date": date_format(result.expires_at, "j F Y")},
        )
    return redirect(_members_url(review))


@post_only("coding:members", "slug")
@login_required
def member_roles(request, slug: str):
    review = get_review_for_member_manager(request.user, slug)
    form = RolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Roles not changed: choose roles from the list."))
        return redirect(_members_url(review))
    user = _member_or_404(review, form.cleaned_data["user"])
    try:
        roles = member_set_roles(
            review=review, user=user, roles=form.cleaned_data["roles"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, gettext("Roles not changed.") + " " + " ".join(error.messages))
    else:
        labels = dict(ROLE_CHOICES)
        messages.success(
            request, gettext("%(name)s: %(roles)s.") % {
                "name": _name(user), "roles": ", ".join(str(labels[r]) for r in roles).lower()}
        )
    return redirect(_members_url(review))


def _member_or_404(review, username: str):
    return get_object_or_404(
        get_user_model().objects.filter(memberships__review=review).distinct(), username=username
    )


@post_only("coding:members", "slug")
@login_required
def member_remove_view(request, slug: str):
    review = get_review_for_member_manager(request.user, slug)
    user = _member_or_404(review, request.POST.get("user", ""))
    try:
        member_remove(review=review, user=user, actor=request.user)
    except ValidationError as error:
        messages.error(request, gettext("Not removed.") + " " + " ".join(error.messages))
    else:
        messages.success(
            request,
            gettext("%(name)s is no longer a member. Their codings stay; reassign their open "
                    "cases on the Progress page.") % {"name": _name(user)},
        )
    return redirect(_members_url(review))


@post_only("coding:members", "slug")
@login_required
def invitation_revoke_view(request, slug: str, pk: int):
    review = get_review_for_member_manager(request.user, slug)
    invitations = memberships_manageable_by(request.user, Invitation.objects.pending())
    invitation = get_object_or_404(invitations, review=review, pk=pk)
    invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(
        request, gettext("Invitation to %(email)s withdrawn; its link no longer works.") % {
            "email": invitation.email}
    )
    return redirect(_members_url(review))


def review_landing_url(review, roles) -> str:
    """Where a new member starts: their cases, the progress page, or the adjudication queue."""
    pages = pages_for_roles(set(roles))  # the pages the roles open (reviews.policies)
    for page, url_name in (("queue", "coding:queue"), ("progress", "coding:progress"),
                           ("adjudication", "coding:adjudication_queue")):
        if page in pages:
            return reverse(url_name, args=[review.slug])
    return reverse("coding:gallery", args=[review.slug])


def invitation_accept_view(request, token: str):
    """Anyone with the link: a new person creates their account here; someone signed in
    with the account that holds the invited address may accept with it (members/policies)."""
    try:
        invitation = invitation_from_token(token)
    except ValidationError as error:
        return render(
            request, "coding/invitation_accept.html", {"problem": " ".join(error.messages)},
            status=410 if error.code in ("expired", "used", "revoked", "replaced") else 404,
        )
    labels = dict(ROLE_CHOICES)
    context = {
        "invitation": invitation,
        "invited_review": invitation.review,
        "role_labels": [str(labels[r]) for r in invitation.roles],
        "inviter": _name(invitation.invited_by) if invitation.invited_by else "A review lead",
        "accept_refusal": (
            invitation_accept_refusal(request.user, invitation)
            if request.user.is_authenticated else None
        ),
    }
    form = AcceptForm(email=invitation.email)
    if request.method == "POST":
        try:
            if request.user.is_authenticated and request.POST.get("as_current"):
                user = request.user
                invitation_accept(invitation=invitation, user=user)
            else:
                form = AcceptForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return render(request, "coding/invitation_accept.html",
                                  {**context, "form": form}, status=400)
                data = form.cleaned_data
                user = invitation_accept_new_account(
                    invitation=invitation, username=data["username"],
                    first_name=data["first_name"], last_name=data["last_name"],
                    password=data["password1"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as error:
            if error.code in ("taken", "has_account"):
                form.add_error("username" if error.code == "taken" else None, error)
                return render(request, "coding/invitation_accept.html",
                              {**context, "form": form}, status=400)
            return render(request, "coding/invitation_accept.html",
                          {"problem": " ".join(error.messages)},
                          status=403 if error.code == "wrong_account" else 410)
        review = invitation.review
        messages.success(request, gettext("Welcome to %(review)s, %(name)s.") % {
            "review": review.title, "name": _name(user)})
        return redirect(review_landing_url(review, review_roles(user, review)))
    return render(request, "coding/invitation_accept.html", {**context, "form": form})
