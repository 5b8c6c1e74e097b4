"""JSON bodies: a string with a control character anywhere (a value, a key, in a list) is
refused with 400 naming the field, before a serializer or the database sees it."""

from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from coding.input_limits import MAX_NESTING, nesting_over
from coding.values import text_problem


def _problem(data, path: str) -> str | None:
    if isinstance(data, str):
        problem = text_problem(data)
        return gettext("Field %(field)s %(problem)s.") % {
            "field": repr(path or "(body)"), "problem": problem} if problem else None
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if text_problem(str(key)):
                return gettext("A field name %(problem)s.") % {"problem": text_problem(str(key))}
            found = _problem(value, name)
            if found:
                return found
    if isinstance(data, list):
        for index, value in enumerate(data):
            found = _problem(value, f"{path}[{index}]")
            if found:
                return found
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # Python's decoder gives up at about 1,000 levels
            data = None
            problem = _too_deep()
        else:
            problem = _too_deep() if nesting_over(data) else _problem(data, "")
        if problem:
            raise ParseError(problem)
        return data


def _too_deep() -> str:
    return gettext("The JSON body nests lists or objects more than %(limit)s levels deep.") % {
        "limit": MAX_NESTING}
