"""Plain INSERTs of many rows for large imports: one statement per 1,000 rows, each value
prepared by its model field, no model instances. At 100,000 rows several times faster than
bulk_create, which builds every row's SQL and objects in Python. Callers read the new ids
back by a unique key when they need them."""

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connections, router

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
