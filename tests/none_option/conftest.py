import pytest

from coding.models import Assignment, Attribute
from tests import factories


@pytest.fixture
def roles(review) -> Attribute:
    """The demo codebook's multiple-choice `roles`, with a none option "No role reported"."""
    attribute = Attribute.objects.get(codebook__review=review, key="roles")
    factories.OptionFactory(attribute=attribute, key="none_reported", label="No role reported",
                            order=3, is_none=True)
    return attribute


@pytest.fixture
def case(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review, number="1")
    Assignment.objects.create(case=case, coder=coder_a)
    Assignment.objects.create(case=case, coder=coder_b)
    return case
