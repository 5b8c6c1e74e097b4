"""Reliability with and without the explicit none: an explicit none is a category, an
untouched attribute is missing, so cases where neither coder answered no longer count as
agreement."""

import pytest

from coding.reliability.selectors import reliability_report
from tests import factories

# Twelve cases: both coders choose "deliverer" on 6, differ on 2, and on the last 4 the
# source reports no role.
AGREE, DIFFER, NONE = range(1, 7), range(7, 9), range(9, 13)


def _code(review, coder_a, coder_b, *, none):
    """`none`: what the coders do on the last four cases: "explicit" (both choose the none
    option), "untouched" (neither answers) or "empty" (both store an empty choice, as a
    submitted coding without a none option does)."""
    for number in range(1, 13):
        case = factories.CaseFactory(review=review, number=str(number))
        if number in AGREE:
            a, b = ["deliverer"], ["deliverer"]
        elif number in DIFFER:
            a, b = ["deliverer"], ["assessor"]
        else:
            a = b = {"explicit": ["none_reported"], "untouched": None, "empty": []}[none]
        for coder, chosen in ((coder_a, a), (coder_b, b)):
            factories.coding_with_values(case=case, coder=coder,
                                         values={} if chosen is None else {"roles": chosen})


def _rows(review):
    rows = reliability_report(review=review, n_boot=0)["rows"]
    return {r["option"]: r for r in rows if r["attribute"] == "roles"}


def test_explicit_none_is_a_category_of_its_own(review, coder_a, coder_b, roles):
    _code(review, coder_a, coder_b, none="explicit")
    rows = _rows(review)
    whole = rows[None]
    assert whole["units"] == 12
    assert whole["percent_agreement"] == pytest.approx(10 / 12)
    # Coincidences: deliverer 14, assessor 2, none 8 values; 4 disagreeing ones.
    assert whole["krippendorff_alpha"] == pytest.approx(1 - 23 * 4 / 312)
    assert rows["none_reported"]["units"] == 12
    assert rows["none_reported"]["percent_agreement"] == 1.0


def test_untouched_attribute_is_missing_not_agreement(review, coder_a, coder_b, roles):
    _code(review, coder_a, coder_b, none="untouched")
    rows = _rows(review)
    whole = rows[None]
    assert whole["units"] == 8
    assert whole["percent_agreement"] == pytest.approx(6 / 8)
    # Only deliverer (14) and assessor (2): the two disagreements weigh much more.
    assert whole["krippendorff_alpha"] == pytest.approx(1 - 15 * 4 / 56)
    assert rows["deliverer"]["units"] == 8


def test_empty_choice_with_a_none_option_is_missing_too(review, coder_a, coder_b, roles):
    _code(review, coder_a, coder_b, none="empty")
    assert _rows(review)[None]["units"] == 8


def test_without_a_none_option_an_empty_choice_still_counts_as_none_chosen(
    review, coder_a, coder_b
):
    _code(review, coder_a, coder_b, none="empty")
    whole = _rows(review)[None]
    assert whole["units"] == 12 and whole["percent_agreement"] == pytest.approx(10 / 12)


def test_adding_a_none_option_refreshes_the_cached_report(review, coder_a, coder_b):
    _code(review, coder_a, coder_b, none="empty")
    assert _rows(review)[None]["units"] == 12
    roles = review.current_codebook().attributes.get(key="roles")
    factories.OptionFactory(attribute=roles, key="none_reported", label="No role reported",
                            order=3, is_none=True)
    assert _rows(review)[None]["units"] == 8
