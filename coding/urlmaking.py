"""Absolute URLs for many objects of one kind, with one reverse() for all of them."""

from collections.abc import Callable
from urllib.parse import quote

from django.urls import reverse

_MARKER = "0"


def absolute_url_maker(request, viewname: str, *args: str) -> Callable[[str], str]:
    """last argument -> the absolute URL of `viewname` with `args` before it, e.g.
    absolute_url_maker(request, "coding:case_detail", "coproduction")("12") gives
    "https://host/reviews/coproduction/cases/12/". reverse() per case took most of a second
    in an export of 10,000 cases, and a third of an API page of 100."""
    template = request.build_absolute_uri(reverse(viewname, args=[*args, _MARKER]))
    head, tail = template.rsplit(f"/{_MARKER}/", 1)
    return lambda last: f"{head}/{quote(str(last), safe='')}/{tail}"
