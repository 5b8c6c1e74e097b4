"""Screening fixtures: records of a search in the demo review, and screening helpers.

Alice (coder_a) and Bob (coder_b) screen; Ada adjudicates; Lena leads."""

import pytest

from coding.models import ExclusionReason, Record, ScreeningSettings, Search
from coding.screening.services import screening_assign, screening_decide


def make_records(review, n: int, *, source: str = "Nesta", start: int = 1) -> list[Record]:
    search = Search.objects.create(review=review, source=source, count=n)
    return [Record.objects.create(review=review, search=search, external_id=f"R{i}",
                                  title=f"Record {i}: a programme report", year=2019,
                                  authors="Smith, A.\nJones, B.", abstract=f"Abstract {i}.",
                                  url=f"https://example.org/{i}")
            for i in range(start, start + n)]


@pytest.fixture
def screening(review, lead):
    """The demo review screening in both stages, with criteria and two exclusion reasons."""
    ScreeningSettings.objects.create(review=review, stages="both",
                                     criteria="Coproduction with citizens.\nOutcomes reported.")
    ExclusionReason.objects.create(review=review, key="no-citizens", label="No citizens",
                                   order=1)
    ExclusionReason.objects.create(review=review, key="no-outcomes", label="No outcomes",
                                   order=2)
    return review


@pytest.fixture
def records(screening):
    return make_records(screening, 4)


@pytest.fixture
def assigned(screening, records, lead, coder_a, coder_b):
    """Alice and Bob both screen every record at title and abstract."""
    screening_assign(review=screening, user=lead, stage="title_abstract",
                     screeners=[coder_a, coder_b])
    return records


def decide(record, user, decision, stage="title_abstract", reason=None):
    return screening_decide(record=record, stage=stage, user=user, decision=decision,
                            reason=reason)
