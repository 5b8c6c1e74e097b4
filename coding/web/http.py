"""Method handling shared by the page views."""

from functools import wraps

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse


def post_only(page: str, *kwargs_kept: str, anchor: str = ""):
    """A form's target URL answers POST; GET (a reload, a bookmark, a shared link) redirects to
    the page the form is on, `page` with the URL arguments named in `kwargs_kept`, instead of
    an empty 405. The page itself checks access, so the redirect tells nobody anything the
    address did not. It wraps login_required, so an anonymous visitor signs in to the page,
    not to the form's target."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                url = reverse(page, kwargs={name: kwargs[name] for name in kwargs_kept})
                return redirect(url + (anchor.format(**kwargs) if anchor else ""))
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
