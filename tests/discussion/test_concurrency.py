"""Two coders proposing the same value at the same moment make one consensus, never none
and never two (the disagreement's row lock; needs PostgreSQL's concurrent transactions)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from coding.adjudication.policies import SETTLED_MESSAGE
from coding.adjudication.services import disagreement_propose
from coding.models import AuditEvent, ConsensusRevision, ConsensusValue, Disagreement


@pytest.mark.django_db(transaction=True)
def test_simultaneous_equal_proposals_make_exactly_one_consensus(level, coder_a, coder_b):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    barrier = threading.Barrier(2, timeout=20)
    outcomes, errors = [], []

    def propose(user):
        try:
            barrier.wait()
            disagreement = Disagreement.objects.select_related("case__review", "attribute").get(
                pk=level.pk)
            outcomes.append(disagreement_propose(disagreement=disagreement, user=user,
                                                 value="national"))
        except ValidationError as error:
            errors.append(error.messages)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=propose, args=(user,)) for user in (coder_a, coder_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    consensus = ConsensusValue.objects.get(case=level.case, attribute__key="level")
    assert consensus.method == "discussion" and consensus.version == 1
    assert ConsensusRevision.objects.filter(consensus=consensus).count() == 1
    assert AuditEvent.objects.filter(action="consensus.discuss").count() == 1
    # Either the second proposal waited and completed the agreement, or it came after it.
    assert errors in ([], [[SETTLED_MESSAGE]])
    assert sum(o.consensus is not None for o in outcomes) == 1
