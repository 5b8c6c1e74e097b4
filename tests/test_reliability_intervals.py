"""Issue 21, items 1 and 2 on hold-out style data: intervals only where the data carry the
information for one, "not estimable" for one-category rows, BCa intervals that contain their
estimate, Krippendorff's q as a direct count, verdicts from the interval (never the point
estimate alone), the paradox warning for any number of coders, per-review thresholds."""

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.models import AuditEvent
from coding.reliability import coefficients as engine
from coding.reliability.coefficients import (
    MIN_AGREED_MINORITY_AC1,
    MIN_MINORITY_VALUES,
    MIN_MINORITY_VALUES_AC1,
    MIN_UNITS_FOR_INTERVAL,
    bc_interval,
    q_below,
    row_statistics,
)
from coding.reliability.encoding import Coded
from coding.reliability.verdicts import Thresholds, verdict
from coding.reviews.services import review_set_reliability_thresholds
from tests import factories


def _yes_no(n: int, both_yes: int = 0, only_a: int = 0, only_b: int = 0) -> Coded:
    codes = np.zeros((n, 2), dtype=np.int64)
    codes[:both_yes] = 1
    codes[both_yes:both_yes + only_a, 0] = 1
    codes[both_yes + only_a:both_yes + only_a + only_b, 1] = 1
    return Coded(codes=codes, q=2)


def test_one_informative_case_in_twenty_shows_no_interval_and_no_verdict():
    # The example: alpha 1.000 with interval 1.000..1.000 was shown and "reliable".
    stats = row_statistics(_yes_no(20, both_yes=1), binary=True)
    assert stats["krippendorff_alpha"] == pytest.approx(1.0)
    assert stats["alpha_ci_low"] is None and stats["ac1_ci_low"] is None
    assert verdict(stats)["verdict"] == "no_verdict"
    assert verdict(stats)["band"] == "alpha-none"


def test_a_rare_option_on_many_cases_gets_no_interval_below_the_minority_minimum():
    # 200 cases, 4 both-yes and 3 disagreements: 11 "yes" values, under the minimum.
    stats = row_statistics(_yes_no(200, both_yes=4, only_a=2, only_b=1), binary=True)
    assert stats["minority_values"] == 11 < MIN_MINORITY_VALUES
    assert stats["alpha_ci_low"] is None
    assert any(f"no interval below {MIN_MINORITY_VALUES}" in w for w in stats["warnings"])
    # With enough minority values the same prevalence pattern gets one.
    stats = row_statistics(_yes_no(200, both_yes=10, only_a=3, only_b=2), binary=True)
    assert stats["minority_values"] == 25
    assert stats["alpha_ci_low"] <= stats["krippendorff_alpha"] <= stats["alpha_ci_high"]


def test_ac1_needs_more_minority_values_than_alpha_and_kappa_for_an_interval():
    # 200 cases, 8 both-yes and 4 disagreements: 20 "yes" values. Enough for alpha and
    # kappa (15), not for AC1 (30: below it AC1's intervals covered as few as 83%).
    stats = row_statistics(_yes_no(200, both_yes=8, only_a=2, only_b=2), binary=True)
    assert MIN_MINORITY_VALUES <= stats["minority_values"] == 20 < MIN_MINORITY_VALUES_AC1
    assert stats["alpha_ci_low"] is not None and stats["cohen_kappa_ci_low"] is not None
    assert stats["ac1_ci_low"] is None and stats["gwet_ac1"] is not None
    assert any(f"no interval for AC1 below {MIN_MINORITY_VALUES_AC1}" in w
               for w in stats["warnings"])
    stats = row_statistics(_yes_no(200, both_yes=16, only_a=3, only_b=3), binary=True)
    assert stats["minority_values"] == 38
    assert stats["ac1_ci_low"] <= stats["gwet_ac1"] <= stats["ac1_ci_high"]


def test_ac1_needs_agreed_minority_values_not_only_disagreements():
    # 100 cases, 10 both-yes and 12 disagreements: 32 "yes" values, enough for AC1's minimum,
    # but 12 of them disagreements: 20 agreed values, fewer than AC1 needs (the disagreements
    # are what pulled AC1's simulated intervals below its true value).
    stats = row_statistics(_yes_no(100, both_yes=10, only_a=6, only_b=6), binary=True)
    assert stats["minority_values"] == 32 >= MIN_MINORITY_VALUES_AC1
    assert stats["agreed_minority_values"] == 20 < MIN_AGREED_MINORITY_AC1
    assert stats["alpha_ci_low"] is not None and stats["cohen_kappa_ci_low"] is not None
    assert stats["ac1_ci_low"] is None and stats["gwet_ac1"] is not None
    assert any(f"no interval for AC1 below {MIN_AGREED_MINORITY_AC1}" in w
               and "20 of the 32" in w for w in stats["warnings"])
    # The same disagreements with 13 both-yes cases: 26 agreed values, an interval.
    stats = row_statistics(_yes_no(100, both_yes=13, only_a=6, only_b=6), binary=True)
    assert stats["agreed_minority_values"] == 26
    assert stats["ac1_ci_low"] <= stats["gwet_ac1"] <= stats["ac1_ci_high"]


def test_no_interval_where_every_resample_gives_the_estimate():
    # 40 cases, 9 both-yes, no disagreement: 18 minority values, all agreed. Alpha is 1.000 on
    # every resample, and BCa gave 1.00-1.00 (shown, "reliable"); simulated data sets of this
    # kind with a true alpha of 0.8 were 7 of the 7 misses of alpha's lowest cell.
    stats = row_statistics(_yes_no(40, both_yes=9), binary=True)
    assert stats["minority_values"] == 18 >= MIN_MINORITY_VALUES
    assert stats["krippendorff_alpha"] == pytest.approx(1.0)
    for short in ("alpha", "cohen_kappa", "fleiss_kappa", "ac1"):
        assert stats[f"{short}_ci_low"] is None and stats[f"{short}_ci_high"] is None
    assert any("Every resample gave the same alpha as the data" in w for w in stats["warnings"])
    assert verdict(stats)["verdict"] == "no_verdict"
    # One disagreement is enough for the resamples to vary, and for an interval.
    stats = row_statistics(_yes_no(40, both_yes=9, only_a=1), binary=True)
    assert stats["alpha_ci_low"] < stats["krippendorff_alpha"] <= stats["alpha_ci_high"]


def test_agreed_minority_values_are_coincidences_outside_the_most_common_category():
    # Three coders: (1, 1, 1) gives 3 * 2 / 2 = 3 coincidences of 1 with 1, (1, 1, 0) gives
    # 2 * 1 / 2 = 1, (1, 1, missing) 2; one value alone pairs with nothing; 0 is the most
    # common category and is not counted.
    codes = np.array([[1, 1, 1], [1, 1, 0], [1, 1, -1], [1, -1, -1]] + [[0, 0, 0]] * 6)
    stats = row_statistics(Coded(codes=codes, q=2), n_boot=0)
    assert stats["agreed_minority_values"] == 6
    # Three categories: only the most common one is left out.
    codes = np.array([[2, 2], [2, 2], [1, 1], [1, 2]] + [[0, 0]] * 5)
    assert row_statistics(Coded(codes=codes, q=3), n_boot=0)["agreed_minority_values"] == 6


def test_no_interval_below_the_minimum_number_of_cases_whatever_the_minority():
    below = row_statistics(_yes_no(MIN_UNITS_FOR_INTERVAL - 1, both_yes=15, only_a=3,
                                   only_b=3), binary=True)
    assert below["minority_values"] >= MIN_MINORITY_VALUES and below["alpha_ci_low"] is None
    at = row_statistics(_yes_no(MIN_UNITS_FOR_INTERVAL, both_yes=15, only_a=3, only_b=3),
                        binary=True)
    assert at["alpha_ci_low"] is not None


def test_an_option_everybody_chose_is_not_estimable_not_one():
    stats = row_statistics(_yes_no(50, both_yes=50), binary=True)
    assert stats["estimable"] is False
    assert stats["gwet_ac1"] is None and stats["pabak"] is None
    assert stats["krippendorff_alpha"] is None and stats["percent_agreement"] == 1.0
    assert verdict(stats)["verdict"] == "not_estimable"


def test_no_verdict_from_a_point_estimate_alone():
    # The example: alpha 0.841 on 9 cases was coloured reliable.
    codes = np.array([[0, 0], [1, 1], [2, 2], [0, 0], [1, 1], [2, 2], [0, 0], [1, 1], [2, 1]])
    stats = row_statistics(Coded(codes=codes, q=3))
    assert stats["krippendorff_alpha"] > 0.8 and stats["alpha_ci_low"] is None
    judged = verdict(stats)
    assert judged["verdict"] == "no_verdict" and judged["word"].startswith("no verdict")
    assert judged["q_minimum"] is None


def test_q_is_the_share_of_bootstrap_alphas_below_the_threshold_by_direct_count():
    rng = np.random.default_rng(4)
    truth = rng.random(120) < 0.4
    codes = np.stack([np.where(rng.random(120) < 0.85, truth, rng.random(120) < 0.4)
                      for _ in range(2)], axis=1).astype(np.int64)
    coded = Coded(codes=codes, q=2)
    stats = row_statistics(coded, binary=True, n_boot=1000, seed=7)
    # The same resamples, drawn again and counted one by one.
    patterns = engine._Patterns(coded)
    draws = engine._resample_counts(patterns, 1000, np.random.default_rng(7))
    alphas = engine._coefficients(patterns, draws, "nominal", True)["krippendorff_alpha"]
    alphas = alphas[np.isfinite(alphas)]
    for threshold in (0.5, 0.667, 0.7, 0.8):
        direct = sum(1 for a in alphas if a < threshold) / len(alphas)
        assert q_below(stats["alpha_boot"], threshold) == pytest.approx(direct, abs=1e-12)
    assert 0 < q_below(stats["alpha_boot"], 0.667) < 1


def test_the_interval_never_excludes_its_estimate_on_many_random_data_sets():
    rng = np.random.default_rng(11)
    checked = 0
    for i in range(60):
        n = int(rng.integers(30, 120))
        prevalence = rng.choice([0.1, 0.2, 0.5])
        codes = (rng.random((n, 2)) < prevalence).astype(np.int64)
        codes[: n // 3, 1] = codes[: n // 3, 0]
        stats = row_statistics(Coded(codes=codes, q=2), binary=True, n_boot=300, seed=i)
        for key, short in engine.INTERVAL_KEYS.items():
            if stats[f"{short}_ci_low"] is not None:
                assert stats[f"{short}_ci_low"] <= stats[key] <= stats[f"{short}_ci_high"]
                checked += 1
    assert checked > 100


def test_bc_interval_contains_the_estimate_where_the_percentile_interval_does_not():
    # Resamples piled below the estimate: the percentile interval would exclude it.
    boot = np.r_[np.linspace(-0.12, -0.03, 990), np.full(10, 0.0)]
    estimate = -0.013
    low, high = np.percentile(boot, [2.5, 97.5])
    assert high < estimate
    interval = bc_interval(boot, estimate)
    assert interval is not None and interval[0] <= estimate <= interval[1]
    # The estimate outside every resample: no interval at all.
    assert bc_interval(np.linspace(0.1, 0.2, 100), 0.5) is None


def test_more_than_five_percent_undefined_resamples_gives_no_interval():
    # 40 cases all agreeing "no" but 16 "yes" values among them on few cases... made so that
    # many resamples draw one category only: 2 distinct yes-cases in 40.
    codes = np.zeros((40, 4), dtype=np.int64)
    codes[:5] = 1  # five yes-cases of four coders: 19 minority values and a disagreement (with
    codes[4, 3] = 0  # none, every defined resample is 1.000 and no interval is shown anyway)
    stats = row_statistics(Coded(codes=codes, q=2), binary=True, n_boot=1000, seed=1)
    share = stats["alpha_dropped"] / 1000
    # P(no yes-case among 40 draws) = (35/40)^40 = 0.5%: under the limit, an interval.
    assert share < 0.05 and stats["alpha_ci_low"] is not None
    stats = row_statistics(Coded(codes=codes, q=2), binary=True, n_boot=1000, seed=1,
                           max_dropped=0.001)
    assert stats["alpha_ci_low"] is None
    assert any("no interval above 0%" in w for w in stats["warnings"])


def test_paradox_warning_with_three_coders():
    # Random rare "yes" from three coders: high agreement, Fleiss' kappa near 0.
    rng = np.random.default_rng(3)
    codes = (rng.random((300, 3)) < 0.02).astype(np.int64)
    stats = row_statistics(Coded(codes=codes, q=2), binary=True, n_boot=0)
    assert stats["percent_agreement"] > 0.9 and stats["fleiss_kappa"] < 0.3
    assert stats["cohen_kappa"] is None
    assert any("kappa paradox" in w for w in stats["warnings"])
    # And on a nominal three-category attribute (not yes/no) too.
    codes = np.where(rng.random((300, 3)) < 0.03, rng.integers(1, 3, (300, 3)), 0)
    stats = row_statistics(Coded(codes=codes, q=3), n_boot=0)
    assert any("kappa paradox" in w for w in stats["warnings"])


def _row(low, high, alphas):
    boot = np.array(alphas, dtype=float)
    return {"krippendorff_alpha": float(np.median(boot)), "alpha_ci_low": low,
            "alpha_ci_high": high, "estimable": True, "alpha_boot": engine.q_histogram(boot)}


def test_verdicts_read_the_lower_end_and_q():
    assert verdict(_row(0.82, 0.95, np.linspace(0.81, 0.96, 100)))["verdict"] == "reliable"
    assert verdict(_row(0.70, 0.95, np.linspace(0.70, 0.96, 100)))["verdict"] == "tentative"
    judged = verdict(_row(0.55, 0.95, np.linspace(0.5, 0.96, 100)))
    assert judged["verdict"] == "unreliable" and judged["band"] == "alpha-low"
    assert judged["q_minimum"] == pytest.approx(np.mean(np.linspace(0.5, 0.96, 100) < 0.667))
    # A review's own thresholds.
    assert verdict(_row(0.55, 0.95, np.linspace(0.56, 0.96, 100)),
                   Thresholds(0.5, 0.6))["verdict"] == "tentative"


def test_leads_set_the_thresholds_audited_and_others_cannot(review, lead, coder_a):
    assert review_set_reliability_thresholds(review=review, actor=lead, minimum="0.600",
                                             target="0.750")
    review.refresh_from_db()
    assert Thresholds.of(review) == Thresholds(0.6, 0.75)
    event = AuditEvent.objects.get(action="review.reliability_thresholds")
    assert event.data == {"before": ["0.667", "0.800"], "after": ["0.600", "0.750"]}
    with pytest.raises(ValidationError):
        review_set_reliability_thresholds(review=review, actor=coder_a, minimum="0.5",
                                          target="0.9")
    for minimum, target in (("0.9", "0.8"), ("abc", "0.8"), ("0.6667", "0.8"), ("0", "0.8"),
                            ("nan", "0.8")):
        with pytest.raises(ValidationError):
            review_set_reliability_thresholds(review=review, actor=lead, minimum=minimum,
                                              target=target)
    review.refresh_from_db()
    assert Thresholds.of(review) == Thresholds(0.6, 0.75)


def test_the_thresholds_form_saves_for_leads_and_is_404_for_coders(client, review, lead,
                                                                  coder_a):
    url = reverse("coding:reliability_thresholds", args=[review.slug])
    client.force_login(coder_a)
    assert client.post(url, {"minimum": "0.5", "target": "0.7"}).status_code == 404
    client.force_login(lead)
    response = client.post(url, {"minimum": "0.5", "target": "0.7"})
    assert response.status_code == 302 and response["Location"].endswith("#thresholds")
    review.refresh_from_db()
    assert str(review.reliability_minimum) == "0.500"
    response = client.post(url, {"minimum": "0.9", "target": "0.7"}, follow=True)
    assert "Not changed." in response.content.decode()
    review.refresh_from_db()
    assert str(review.reliability_minimum) == "0.500"


def test_the_page_shows_verdict_words_not_colours_from_the_estimate(client, review, lead,
                                                                    coder_a, coder_b):
    # 12 cases: every row too small for an interval, so no "reliable" anywhere.
    for number in range(1, 13):
        case = factories.CaseFactory(review=review, number=str(number))
        for coder in (coder_a, coder_b):
            factories.coding_with_values(case=case, coder=coder, values={
                "level": "local", "budget": 5, "agreement": number % 2 == 0,
                "roles": ["deliverer"]})
    factories.reliability_computed(review)
    client.force_login(lead)
    html = client.get(reverse("coding:reliability", args=[review.slug])).content.decode()
    assert "no verdict: too little information" in html
    assert "not estimable" in html  # the options nobody chose
    assert 'class="alpha-ok rel-verdict"' not in html
    assert "BCa" in html


def test_no_paradox_warning_on_balanced_data_with_moderate_agreement():
    # 50/50 prevalence, agreement 0.8, kappa 0.6: not a paradox, just agreement.
    codes = np.zeros((100, 2), dtype=np.int64)
    codes[:40] = 1
    codes[40:50, 0] = 1
    codes[50:60, 1] = 1
    stats = row_statistics(Coded(codes=codes, q=2), binary=True, n_boot=0)
    assert stats["percent_agreement"] == pytest.approx(0.8)
    assert not any("paradox" in w for w in stats["warnings"])
