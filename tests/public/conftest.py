import pytest

from coding.adjudication.services import disagreements_detect
from coding.models import Disagreement, Review
from tests import factories

VALUES_A = {"level": "local", "roles": ["deliverer", "assessor"], "agreement": True}
VALUES_B = {"level": "local", "roles": ["deliverer"], "agreement": True}


@pytest.fixture
def published(review):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    review.refresh_from_db()
    return review


@pytest.fixture
def disagreed(published, coder_a, coder_b):
    """Case 7, coded by Alice and Bob and compared: level and agreement agreed, roles open."""
    case = factories.CaseFactory(review=published, number="7", title="Meals on wheels")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    factories.coding_with_values(case=case, coder=coder_a, values=VALUES_A)
    factories.coding_with_values(case=case, coder=coder_b, values=VALUES_B)
    disagreements_detect(case=case)
    return Disagreement.objects.get(case=case)
