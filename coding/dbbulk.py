"""Plain INSERTs of many rows for large imports: one statement per 1,000 rows, each value
prepared by its model field, no model instances. At 100,000 rows several times faster than
bulk_create, which builds every row's SQL and objects in Python. Callers read the new ids
back by a unique key when they need them."""

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import BigIntegerField, Func

# Values of these fields go to the database driver as they are (ints, floats, text, bools,
# None); others (dates, JSON) are prepared by the field.
PLAIN = {
    "AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
    "FloatField", "CharField", "TextField", "ForeignKey", "BooleanField", "SlugField",
}


# On PostgreSQL, a table that received at least this many rows is analysed at once.
ANALYZE_AFTER = 10_000


def _preparer(field, connection):
    if field.get_internal_type() in PLAIN:
        return None
    if field.get_internal_type() == "DateTimeField":
        seen = {}  # an import stamps every row with one moment: prepare it once

        def prepare(value):
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, connection)
            return seen[value]

        return prepare
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(model, fields: list[str], rows) -> int:
    """INSERT `rows` (tuples of Python values in the order of `fields`; foreign keys by
    their attname, e.g. "case_id") into `model`'s table; returns the number of rows."""
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
        "VALUES "
    )
    one = f"({', '.join(['%s'] * len(columns))})"
    # PostgreSQL: COPY (one stream; a statement per row costs a round trip each, and psycopg
    # parses a many-row VALUES statement slowly). SQLite runs in this process: executemany.
    in_process = connection.vendor == "sqlite"
    use_copy = connection.vendor == "postgresql"
    limit = connection.features.max_query_params or 65535
    per_statement = 5000 if in_process or use_copy else max(1, min(1000, limit // len(columns)))
    copy_sql = (
        f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
        "FROM STDIN"
    )
    preparers = [_preparer(field, connection) for field in columns]
    if not any(preparers):
        preparers = None
    count = 0
    batch: list = []

    def flush(cursor) -> None:
        if use_copy:
            with cursor.cursor.copy(copy_sql) as copy:
                for row in batch:
                    copy.write_row(row)
        elif in_process:
            cursor.executemany(head + one, batch)
        else:
            params = [value for row in batch for value in row]
            cursor.execute(head + ", ".join([one] * len(batch)), params)

    with connection.cursor() as cursor:
        for row in rows:
            if preparers:
                row = tuple(value if prepare is None else prepare(value)
                            for prepare, value in zip(preparers, row, strict=True))
            batch.append(row)
            if len(batch) == per_statement:
                flush(cursor)
                count += len(batch)
                batch = []
        if batch:
            flush(cursor)
            count += len(batch)
        if use_copy and count >= ANALYZE_AFTER:
            # The planner's statistics still describe the table before the import, and the
            # import's later statements (detection, the public-consensus refresh) run in the
            # same transaction: planned for a near-empty table they nest loops over every row
            # (250,000 coded values took 260 s instead of 30). ANALYZE samples the table as
            # it is now, inside the transaction.
            cursor.execute(f"ANALYZE {quote(meta.db_table)}")
    return count


def insert_objects(model, fields: list[str], objects) -> int:
    """INSERT unsaved model instances (their `fields`)."""
    attnames = [model._meta.get_field(name).attname for name in fields]
    return insert_rows(model, fields, (
        tuple(getattr(obj, name) for name in attnames) for obj in objects
    ))


def chunked(rows: Iterable, size: int) -> Iterator[list]:
    """Lists of up to `size` items of `rows`, in order."""
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building many short-lived rows that
    hold no reference cycles (reference counting frees them as usual). Its passes over a
    chunk's hundred thousand new lists and dicts took a third of an export's time. Never
    hold it across a yield to code that is not ours."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# What read_columns gives each column: its numpy type, and its SQL cast on PostgreSQL.
COLUMN_KINDS = {"int": (np.int64, "int8"), "float": (np.float64, "float8"),
                "bool": (np.int8, "int8")}
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_COPY_PIECE = 8 << 20  # bytes of COPY data parsed at a time: the reading's memory is bounded


def read_columns(queryset, kinds: list[str]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A values_list queryset's columns as numpy arrays, without a Python object per row:
    (columns, nulls), one array each per column, `kinds` saying what each holds: "int"
    (int64), "float" (float64) or "bool" (int8: 0 or 1). A NULL reads as 0 and is True in
    its column of `nulls`.

    On PostgreSQL the rows come as COPY's binary format, parsed a piece at a time (1.2
    million rows of five columns in 1.3 s at 50,000 cases, against 1.6-1.8 s for a cursor's
    tuples alone, before any work on them); elsewhere (SQLite, the embedded default) through
    a chunked cursor."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (e.g. `__in` an empty list)
        return ([np.zeros(0, dtype=COLUMN_KINDS[kind][0]) for kind in kinds],
                [np.zeros(0, dtype=bool) for _kind in kinds])
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        return _copy_columns(connection, sql, params, kinds)
    out = [[] for _kind in kinds]
    for row in driver_rows(queryset):
        for column, value in zip(out, row, strict=True):
            column.append(value)
    nulls = [np.fromiter((value is None for value in column), dtype=bool, count=len(column))
             for column in out]
    columns = [np.array([0 if value is None else value for value in column],
                        dtype=COLUMN_KINDS[kind][0]).reshape(-1)
               for column, kind in zip(out, kinds, strict=True)]
    return columns, nulls


class EpochMicroseconds(Func):
    """A moment as whole microseconds since 1970-01-01 UTC (an int, so read_columns reads
    it): a driver's datetime per row was most of the time of reading 100,000 codings (0.45
    of 0.67 s on PostgreSQL). `moment` turns one back."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=(
            "(EXTRACT(EPOCH FROM (%(expressions)s)::timestamptz) * 1000000)::bigint"), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Stored as UTC text, "YYYY-MM-DD HH:MM:SS" and ".ffffff" unless it is zero: whole
        # seconds from the day number, then the microseconds' digits.
        return self.as_sql(compiler, connection, template=(
            "CAST(ROUND((julianday(substr(%(expressions)s, 1, 19)) - 2440587.5) * 86400) "
            "AS INTEGER) * 1000000 + CAST(substr(%(expressions)s, 21, 6) AS INTEGER)"), **extra)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def moment(microseconds: int) -> datetime:
    """The aware (UTC) datetime of an EpochMicroseconds value."""
    return _EPOCH + timedelta(microseconds=int(microseconds))


def driver_rows(queryset) -> Iterator[tuple]:
    """A values_list queryset's rows as the database driver gives them (no converters), read
    in chunks (a server-side cursor on PostgreSQL: not the whole result in memory at once)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def _copy_columns(connection, sql, params, kinds):
    # Every field made fixed-width and non-null (a value and its NULL flag), so that a row
    # is a numpy record: COPY's binary row is a field count, then each field's length and
    # bytes, big-endian.
    names = [f"c{i}" for i in range(len(kinds))]
    fields = []
    for name, kind in zip(names, kinds, strict=True):
        cast = COLUMN_KINDS[kind][1]
        value = f"{name}::int" if kind == "bool" else name
        fields.append(f"COALESCE(({value})::{cast}, 0)")
        fields.append(f"({name} IS NULL)")
    record = [("count", ">i2")]
    for i, kind in enumerate(kinds):
        record += [(f"l{i}", ">i4"), (f"v{i}", ">f8" if kind == "float" else ">i8"),
                   (f"m{i}", ">i4"), (f"n{i}", "i1")]
    record = np.dtype(record)
    dtypes = [COLUMN_KINDS[kind][0] for kind in kinds]
    statement = (f"COPY (SELECT {', '.join(fields)} FROM ({sql}) AS rows ({', '.join(names)}))"
                 " TO STDOUT (FORMAT BINARY)")
    parts: list[list[np.ndarray]] = [[] for _kind in kinds]
    null_parts: list[list[np.ndarray]] = [[] for _kind in kinds]
    pending = bytearray()
    header = None
    connection.ensure_connection()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for data in copy:
            pending += data
            if header is None:
                if len(pending) < 19:
                    continue
                if bytes(pending[:11]) != _COPY_SIGNATURE:
                    raise ValueError("COPY did not answer in its binary format")
                header = 19 + int.from_bytes(pending[15:19], "big")
            if len(pending) >= _COPY_PIECE + header:
                pending = _parse_copy(pending, header, record, dtypes, parts, null_parts)
                header = 0
        if header is not None:
            pending = _parse_copy(pending, header, record, dtypes, parts, null_parts)
    if bytes(pending) not in (b"", b"\xff\xff"):
        raise ValueError("COPY's binary data ended in the middle of a row")
    columns, nulls = [], []
    for i, kind in enumerate(kinds):  # each column's pieces let go once it is whole
        columns.append(np.concatenate(parts[i] or [np.zeros(0, dtype=COLUMN_KINDS[kind][0])]))
        nulls.append(np.concatenate(null_parts[i] or [np.zeros(0, dtype=bool)]))
        parts[i] = null_parts[i] = None
    return columns, nulls


def _parse_copy(pending: bytearray, start: int, record: np.dtype, dtypes: list, parts,
                null_parts) -> bytearray:
    """Parse the whole rows of `pending` from `start` into `parts` and `null_parts`; what is
    left (part of a row, or the end marker)."""
    rows = (len(pending) - start) // record.itemsize
    if rows:
        records = np.frombuffer(pending, dtype=record, count=rows, offset=start)
        if not (np.all(records["count"] == 2 * len(parts))
                and all(np.all(records[f"l{i}"] == 8) and np.all(records[f"m{i}"] == 1)
                        for i in range(len(parts)))):
            raise ValueError("COPY's binary rows are not of the expected shape")
        for i, (part, null_part) in enumerate(zip(parts, null_parts, strict=True)):
            part.append(records[f"v{i}"].astype(dtypes[i]))
            null_part.append(records[f"n{i}"].astype(bool))
        del records
    return pending[start + rows * record.itemsize:]
