"""Verdicts on a reliability row from its interval and Krippendorff's q, never from the point
estimate alone (Krippendorff 2004, 2011; Hayes & Krippendorff 2007).

q(t) is the share of bootstrap alphas below t (the probability that alpha is below t). With a
review's smallest acceptable alpha `minimum` (default 0.667) and the alpha of a reliable
variable `target` (default 0.800):

- "reliable": the interval's lower end is at least `target` and q(target) <= MAX_Q;
- "tentative": otherwise, lower end at least `minimum` and q(minimum) <= MAX_Q;
- "unreliable": an interval that reaches below `minimum` (or q(minimum) > MAX_Q);
- "no verdict: too little information": no interval (too few cases or minority values, too
  many undefined resamples), whatever the point estimate;
- "not estimable": every coder gave the same value everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from coding.reliability.coefficients import q_below

DEFAULT_MINIMUM, DEFAULT_TARGET = 0.667, 0.800
MAX_Q = 0.05

RELIABLE, TENTATIVE, UNRELIABLE, NO_VERDICT, NOT_ESTIMABLE = (
    "reliable", "tentative", "unreliable", "no_verdict", "not_estimable")
WORDS = {
    RELIABLE: _("reliable"),
    TENTATIVE: _("tentative"),
    UNRELIABLE: _("unreliable"),
    NO_VERDICT: _("no verdict: too little information"),
    NOT_ESTIMABLE: _("not estimable"),
}
BANDS = {RELIABLE: "alpha-ok", TENTATIVE: "alpha-tentative", UNRELIABLE: "alpha-low",
         NO_VERDICT: "alpha-none", NOT_ESTIMABLE: "alpha-none"}


@dataclass(frozen=True)
class Thresholds:
    minimum: float = DEFAULT_MINIMUM
    target: float = DEFAULT_TARGET

    @classmethod
    def of(cls, review) -> Thresholds:
        return cls(float(review.reliability_minimum), float(review.reliability_target))


def _three(value: float | Decimal) -> float:
    return round(float(value), 3)


def verdict(row: dict, thresholds: Thresholds = Thresholds()) -> dict:
    """{"verdict", "word", "band", "q_minimum", "q_target"} of a report row (or a pair row,
    which has no interval and so no verdict)."""
    q_min = q_below(row.get("alpha_boot"), _three(thresholds.minimum))
    q_tgt = q_below(row.get("alpha_boot"), _three(thresholds.target))
    low = row.get("alpha_ci_low")
    if row.get("krippendorff_alpha") is None:
        key = NOT_ESTIMABLE if row.get("estimable") is False else NO_VERDICT
    elif low is None or q_min is None:
        key = NO_VERDICT
    elif low >= thresholds.target and q_tgt <= MAX_Q:
        key = RELIABLE
    elif low >= thresholds.minimum and q_min <= MAX_Q:
        key = TENTATIVE
    else:
        key = UNRELIABLE
    return {"verdict": key, "word": str(WORDS[key]), "band": BANDS[key],
            "q_minimum": q_min, "q_target": q_tgt}
