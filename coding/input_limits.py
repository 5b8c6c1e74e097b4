"""Refuse control characters in addresses, query parameters and form fields (400 with a
message naming the place), before any view or database sees them: PostgreSQL cannot
store or compare a NUL character and answered such requests with a server error.

JSON bodies are checked by coding.api.parsers.StrictJSONParser; the lengths and the
text of each field by coding.values.text_problem, which this module shares.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext

from coding.values import text_problem


def request_problem(request) -> str | None:
    """What is wrong with the request's address, query or form fields (None if nothing)."""
    problem = text_problem(request.path_info, multiline=False)
    if problem:
        return f"The address {problem}."
    for name, values in request.GET.lists():
        for text in (name, *values):
            problem = text_problem(text, multiline=False)
            if problem:
                return f"The query parameter {_name(name)} {problem}."
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        try:
            fields = request.POST.lists()
        except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent,
                TooManyFilesSent) as error:
            # Django would answer with its HTML 400 page, also to an API client.
            return _unreadable_form(error)
        for name, values in fields:
            for text in (name, *values):
                problem = text_problem(text)
                if problem:
                    return f"The form field {_name(name)} {problem}."
    return None


def _unreadable_form(error: Exception) -> str:
    if isinstance(error, RequestDataTooBig):
        return gettext("The form's fields are larger than the server accepts.")
    if isinstance(error, TooManyFieldsSent | TooManyFilesSent):
        return gettext("The form has more fields or files than the server accepts.")
    if "header size" in str(error):
        return gettext("The upload could not be read: a file name (or a field's header) is "
                       "longer than the server accepts (about 1,000 characters). Rename the "
                       "file.")
    return gettext("The upload could not be read (%(error)s).") % {"error": error}


def _name(name: str) -> str:
    return repr(name) if text_problem(name, multiline=False) is None else "(unnamed)"


def refuse_control_characters(get_response):
    def middleware(request):
        problem = request_problem(request)
        if problem is None:
            return get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": problem, "errors": [problem]}, status=400)
        body = render_to_string("coding/bad_request.html", {"message": problem})
        return HttpResponse(body, status=400)

    return middleware
