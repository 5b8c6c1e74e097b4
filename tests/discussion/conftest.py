"""A review in discussion mode: Alice and Bob both submitted case 7 and differ on level,
roles and budget (tests/test_adjudication.py's values); Ada adjudicates, Lena leads."""

import pytest

from coding.adjudication.services import disagreements_detect
from coding.models import Disagreement, ResolutionMode
from tests import factories

VALUES_A = {"level": "local", "roles": ["deliverer", "assessor"], "budget": 100.0,
            "agreement": True, "topic": "Elderly care"}
VALUES_B = {"level": "state", "roles": ["deliverer", "commissioner"], "budget": 250.0,
            "agreement": True, "topic": "Care for older people"}


@pytest.fixture
def discussion_review(review):
    review.resolution_mode = ResolutionMode.DISCUSSION
    review.save()
    return review


@pytest.fixture
def case(discussion_review, coder_a, coder_b, adjudicator, lead):
    case = factories.CaseFactory(review=discussion_review, number="7", title="Meals on wheels")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    return case


@pytest.fixture
def coded(case, coder_a, coder_b):
    """Both codings submitted, disagreements detected."""
    factories.coding_with_values(case=case, coder=coder_a, values=VALUES_A,
                                 evidence={"level": "the borough council"})
    factories.coding_with_values(case=case, coder=coder_b, values=VALUES_B,
                                 evidence={"level": "the state ministry"})
    disagreements_detect(case=case)
    return case


@pytest.fixture
def level(coded) -> Disagreement:
    return Disagreement.objects.select_related("case__review", "attribute").get(
        case=coded, attribute__key="level"
    )
