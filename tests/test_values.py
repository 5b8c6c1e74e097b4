import pytest

from coding.models import Attribute
from coding.values import BadValue, bad_value_message, value_parse

KEYS = {"local", "state"}


def _attribute(kind):
    return Attribute(key="x", label="Level", kind=kind)


@pytest.mark.parametrize(
    "kind, raw, expected",
    [
        ("single", "local", "local"),
        ("single", "", None),
        ("multi", ["local", "state"], frozenset({"local", "state"})),
        ("multi", "local", frozenset({"local"})),
        ("multi", [], frozenset()),
        ("number", "12.5", 12.5),
        ("number", None, None),
        ("boolean", "Yes", True),
        ("boolean", "0", False),
        ("boolean", False, False),
        ("text", "  A topic ", "A topic"),
        ("text", "   ", None),
    ],
)
def test_value_parse_reads_every_kind(kind, raw, expected):
    assert value_parse(_attribute(kind), raw, KEYS) == expected


@pytest.mark.parametrize(
    "kind, raw, problem, message",
    [
        ("single", "regional", "unknown_option", "Level: 'regional' is not one of its options."),
        ("single", ["local"], "unknown_option", "is not one of its options"),
        ("multi", ["local", "funder"], "unknown_option", "Level: 'funder' not among its options."),
        ("number", "lots", "not_a_number", "Level: enter a number, not 'lots'."),
        ("number", "inf", "not_finite", "Level: enter a finite number."),
        ("boolean", "maybe", "not_yes_no", "Level: answer yes or no, not 'maybe'."),
    ],
)
def test_value_parse_names_what_is_wrong(kind, raw, problem, message):
    attribute = _attribute(kind)
    with pytest.raises(BadValue) as error:
        value_parse(attribute, raw, KEYS)
    assert error.value.problem == problem
    assert message in bad_value_message(attribute, error.value)
