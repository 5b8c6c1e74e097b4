"""The signed-in person's notifications: the list (all reviews), opening one, marking read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from coding.notifications.policies import get_notification_for_user
from coding.notifications.selectors import daily_digest_enabled, notifications_page
from coding.notifications.services import notification_mark_read, notifications_mark_read
from coding.web.http import post_only


@login_required
@require_http_methods(["GET", "HEAD"])
def notification_list(request):
    page = notifications_page(request.user, request.GET.get("page"))
    return render(request, "coding/notifications.html", {
        "page": page, "daily_digest": daily_digest_enabled(request.user),
    })


@post_only("coding:notifications")
@login_required
def notification_open(request, pk: int):
    """Mark the notification read and go to its page."""
    notification = notification_mark_read(
        notification=get_notification_for_user(request.user, pk)
    )
    # Written by our services as a path on this site; checked again all the same.
    if url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("coding:notifications")


@post_only("coding:notifications")
@login_required
def notifications_read_all(request):
    changed = notifications_mark_read(user=request.user)
    messages.success(
        request,
        ngettext("%(count)s notification marked read.", "%(count)s notifications marked read.",
                 changed) % {"count": changed} if changed
        else gettext("You had no unread notifications."),
    )
    return redirect("coding:notifications")
