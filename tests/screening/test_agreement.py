"""Agreement of the two screeners per stage, against a hand computation."""

import pytest

from coding.screening.selectors import stage_agreement
from coding.screening.services import screening_assign
from tests.screening.conftest import decide, make_records

# Ten records: (Alice, Bob). Agreement 7/10. Marginals Alice I5 E4 M1, Bob I5 E4 M1.
PAIRS = [("include", "include")] * 4 + [("exclude", "exclude")] * 3 + [
    ("include", "exclude"), ("maybe", "include"), ("exclude", "maybe")]


def test_agreement_matches_a_hand_computation(screening, lead, coder_a, coder_b):
    records = make_records(screening, len(PAIRS))
    screening_assign(review=screening, user=lead, stage="title_abstract",
                     screeners=[coder_a, coder_b])
    for record, (a, b) in zip(records, PAIRS, strict=True):
        decide(record, coder_a, a)
        decide(record, coder_b, b)
    result = stage_agreement(review=screening, stage="title_abstract")
    assert result["records"] == 10
    assert result["percent_agreement"] == pytest.approx(0.7)
    # Cohen: pe = (5*5 + 4*4 + 1*1) / 100 = 0.42; kappa = (0.7 - 0.42) / 0.58.
    assert result["cohen_kappa"] == pytest.approx((0.7 - 0.42) / 0.58)
    # Gwet: pi = (0.5, 0.4, 0.1); pe = sum pi (1 - pi) / (q - 1) = 0.58 / 2 = 0.29.
    assert result["gwet_ac1"] == pytest.approx((0.7 - 0.29) / 0.71)
    assert result["matrix"]["rows"] == [[4, 1, 0], [0, 3, 1], [1, 0, 0]]
    # Under 30 records: no interval, as on the coding figures.
    assert result["cohen_kappa_ci_low"] is None and result["percent_agreement_ci_low"] is None


def test_records_only_one_screener_decided_do_not_count(screening, lead, coder_a, coder_b):
    records = make_records(screening, 3)
    screening_assign(review=screening, user=lead, stage="title_abstract",
                     screeners=[coder_a, coder_b])
    decide(records[0], coder_a, "include")
    decide(records[0], coder_b, "include")
    decide(records[1], coder_a, "exclude")
    result = stage_agreement(review=screening, stage="title_abstract")
    assert result["records"] == 1


def test_the_reliability_page_shows_screening_agreement(screening, lead, coder_a, coder_b,
                                                        client):
    records = make_records(screening, 40)
    screening_assign(review=screening, user=lead, stage="title_abstract",
                     screeners=[coder_a, coder_b])
    for i, record in enumerate(records):
        decide(record, coder_a, "include" if i % 2 else "exclude")
        decide(record, coder_b, "include" if i % 2 or i % 5 == 0 else "exclude")
    client.force_login(lead)
    page = client.get("/reviews/demo/reliability/").content.decode()
    assert 'id="screening-agreement"' in page
    result = stage_agreement(review=screening, stage="title_abstract")
    assert f"{result['percent_agreement']:.3f}" in page
    assert result["percent_agreement_ci_low"] is not None
    assert result["cohen_kappa_ci_low"] is not None
