"""JSON bodies: a string with a control character anywhere (a value, a key, in a list) is
refused with 400 naming the field, before a serializer or the database sees it."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from coding.values import text_problem


def _problem(data, path: str) -> str | None:
    if isinstance(data, str):
        problem = text_problem(data)
        return f"Field {path or '(body)'!r} {problem}." if problem else None
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if text_problem(str(key)):
                return f"A field name {text_problem(str(key))}."
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
        data = super().parse(stream, media_type, parser_context)
        problem = _problem(data, "")
        if problem:
            raise ParseError(problem)
        return data
