"""Autosave looks up the coding's latest audit event through an index, not a table scan."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coding.audit.services import audit_record_draft_save
from coding.models import AuditEvent
from tests import factories


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test table is small enough to scan; ask whether the index can serve at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " ".join(str(row) for row in cursor.fetchall())


def test_an_autosave_finds_the_codings_last_event_through_an_index(review, coder_a):
    case = factories.CaseFactory(review=review)
    coding = factories.CodingFactory(case=case, coder=coder_a)
    other = factories.CodingFactory(case=factories.CaseFactory(review=review), coder=coder_a)
    for _ in range(3):
        audit_record_draft_save(actor=coder_a, coding=other, attributes=["level"])
    audit_record_draft_save(actor=coder_a, coding=coding, attributes=["level"])
    with CaptureQueriesContext(connection) as captured:
        event = audit_record_draft_save(actor=coder_a, coding=coding, attributes=["sector"])
    assert event.data["saves"] == 2 and AuditEvent.objects.count() == 2
    [lookup] = [q["sql"] for q in captured.captured_queries
                if q["sql"].startswith("SELECT") and "coding_auditevent" in q["sql"]]
    plan = _plan(lookup)
    assert "audit_object_idx" in plan, plan
