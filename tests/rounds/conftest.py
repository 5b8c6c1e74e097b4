"""A calibration round of cases 1 and 2, coded by Alice, Bob and Carol; Lena leads."""

import pytest

from coding.models import Role
from coding.rounds.services import (
    round_coding_save_draft,
    round_coding_start,
    round_coding_submit,
    round_create,
)
from tests import factories


@pytest.fixture
def coder_c(review):
    user = factories.UserFactory(username="carol", first_name="Carol")
    factories.MembershipFactory(review=review, user=user, role=Role.CODER)
    return user


@pytest.fixture
def cases(review):
    return [factories.CaseFactory(review=review, number=str(n), title=f"Case {n}")
            for n in (1, 2, 3)]


@pytest.fixture
def pilot(review, cases, coder_a, coder_b, coder_c, lead):
    return round_create(review=review, title="Pilot 1", cases=cases[:2],
                        coders=[coder_a, coder_b, coder_c], user=lead)


def code(round_, case, user, values: dict, submit: bool = True):
    """`values`: attribute key -> value (and "<key>__evidence" -> quote)."""
    coding = round_coding_start(round_=round_, case=case, user=user)
    payload = {k: {"value": v, "evidence": values.get(f"{k}__evidence", "")}
               for k, v in values.items() if "__" not in k}
    coding = round_coding_save_draft(coding=coding, values=payload,
                                     expected_version=coding.version, user=user)
    if submit:
        coding = round_coding_submit(coding=coding, expected_version=coding.version, user=user)
    return coding


AGREE = {"level": "local", "roles": ["deliverer"], "agreement": True}
