"""coding/dbbulk.py: the plain INSERTs of large imports."""

import pytest
from django.db import connection
from django.utils import timezone

from coding.dbbulk import ANALYZE_AFTER, chunked, insert_rows
from coding.models import AuditEvent


def _estimated_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s",
                       [model._meta.db_table])
        return cursor.fetchone()[0]


def _events(n: int):
    now = timezone.now()
    return ((None, None, "case.import", "coding.case", str(i), {}, now) for i in range(n))


FIELDS = ["review", "actor", "action", "object_type", "object_id", "data", "created_at"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's")
def test_a_table_filled_by_an_import_is_analysed_within_its_transaction(db):
    """Otherwise the import's later statements are planned for the table as it was before
    (a 250,000-value import took 260 s instead of 41 on a nested loop)."""
    insert_rows(AuditEvent, FIELDS, _events(10))
    assert _estimated_rows(AuditEvent) < ANALYZE_AFTER  # a few rows: not worth a sample

    assert insert_rows(AuditEvent, FIELDS, _events(ANALYZE_AFTER)) == ANALYZE_AFTER

    assert _estimated_rows(AuditEvent) >= ANALYZE_AFTER


def test_insert_rows_writes_every_row_with_its_values(db):
    assert insert_rows(AuditEvent, FIELDS, _events(12_345)) == 12_345
    assert AuditEvent.objects.count() == 12_345
    assert AuditEvent.objects.filter(object_id="12344", action="case.import").exists()


def test_chunked_keeps_order_and_the_last_short_chunk():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_the_cyclic_collector_is_paused_inside_and_restored_after_even_on_error():
    import gc

    from coding.dbbulk import cyclic_gc_paused

    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():  # nested: the outer pause stays
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("a query fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
