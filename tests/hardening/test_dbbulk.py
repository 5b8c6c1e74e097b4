"""coding/dbbulk.py: the plain INSERTs of large imports, and reading columns as arrays."""

import numpy as np
import pytest
from django.db import connection
from django.db.models import DateTimeField, Value
from django.utils import timezone

from coding.dbbulk import ANALYZE_AFTER, chunked, insert_rows, read_columns
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


def test_read_columns_gives_each_column_as_an_array_with_its_nulls(db, monkeypatch):
    """Ints (beyond 32 bits), numbers and NULLs in the queryset's order, through COPY on
    PostgreSQL (parsed a few rows at a time here, so that rows straddle the pieces) and
    through a cursor elsewhere."""
    from django.db.models import BigIntegerField, ExpressionWrapper, F, Value

    from coding import dbbulk
    from coding.models import Case
    from tests import factories

    monkeypatch.setattr(dbbulk, "_COPY_PIECE", 100)  # a piece every few rows
    review = factories.ReviewFactory()
    for i in range(44):
        Case.objects.create(review=review, number=f"c{i:02d}", title="t", sort_key=i,
                            year=None if i % 5 == 0 else 1990 + i)
    queryset = (Case.objects.filter(review=review).order_by("number")
                .annotate(big=ExpressionWrapper(F("sort_key") + Value(2 ** 40),
                                                output_field=BigIntegerField()))
                .values_list("big", "year", "pk"))

    (big, years, pks), (no_big, no_year, no_pk) = read_columns(
        queryset, ["int", "float", "int"])

    assert big.dtype == np.int64 and years.dtype == np.float64
    assert big.tolist() == [2 ** 40 + i for i in range(44)]
    assert no_year.tolist() == [i % 5 == 0 for i in range(44)]
    assert not no_big.any() and not no_pk.any()
    assert years.tolist() == [0 if i % 5 == 0 else 1990 + i for i in range(44)]
    assert pks.tolist() == list(queryset.values_list("pk", flat=True))


def test_read_columns_reads_floats_and_yes_no_as_stored(review):
    from coding.models import CodedValue
    from tests import factories

    case = factories.CaseFactory(review=review)
    for values in ({"budget": 0.0, "agreement": True}, {"budget": 0.1},
                   {"agreement": False}):
        factories.coding_with_values(case=case, coder=factories.UserFactory(), values=values)

    (numbers, flags), (no_number, no_flag) = read_columns(
        CodedValue.objects.filter(coding__case=case).order_by("pk")
        .values_list("number", "boolean"), ["float", "bool"])

    assert numbers[0] == 0 and numbers[2] == 0.1
    assert flags.dtype == np.int8 and flags.tolist() == [0, 1, 0, 0]
    assert no_number.tolist() == [False, True, False, True]
    assert no_flag.tolist() == [True, False, True, False]


def test_read_columns_of_no_rows_gives_empty_arrays(db):
    from coding.models import Case

    columns, nulls = read_columns(Case.objects.none().values_list("pk", "sort_key"),
                                  ["int", "int"])
    assert [len(c) for c in columns] == [0, 0] and [len(n) for n in nulls] == [0, 0]


def test_a_moment_read_as_microseconds_comes_back_as_stored(db):
    """EpochMicroseconds and moment: whole seconds (SQLite stores no fraction then), every
    digit of the microseconds, before 1970, a leap day, and NULL."""
    from datetime import UTC, datetime

    from coding.dbbulk import EpochMicroseconds, moment

    moments = [datetime(2026, 12, 7, 23, 34, 56, tzinfo=UTC),
               datetime(2026, 12, 7, 23, 34, 56, 670296, tzinfo=UTC),
               datetime(2024, 2, 29, 0, 0, 0, 1, tzinfo=UTC),
               datetime(1969, 7, 20, 20, 17, 40, 999999, tzinfo=UTC),
               datetime(2038, 1, 19, 3, 14, 8, 500000, tzinfo=UTC)]
    events = [AuditEvent.objects.create(action="case.import", object_type="coding.case",
                                        object_id=str(i)) for i in range(len(moments))]
    for event, at in zip(events, moments, strict=True):  # created_at is set on creation
        AuditEvent.objects.filter(pk=event.pk).update(created_at=at)
    queryset = (AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")
                .values_list(EpochMicroseconds("created_at")))
    nothing = AuditEvent.objects.filter(pk=events[0].pk).values_list(
        EpochMicroseconds(Value(None, output_field=DateTimeField())))

    (microseconds,), (missing,) = read_columns(queryset, ["int"])
    (_zero,), (null,) = read_columns(nothing, ["int"])

    assert [moment(us) for us in microseconds.tolist()] == moments
    assert moment(microseconds[1]).isoformat() == "2026-12-07T23:34:56.670296+00:00"
    assert not missing.any() and null.tolist() == [True]
