"""Plain INSERTs of many rows for large imports: one statement per batch of rows, each value
prepared by its model field, no model instances. At 100,000 rows several times faster than
bulk_create, which builds every row's SQL and objects in Python. Callers read the new ids
back by a unique key when they need them."""

from django.db import connections, router

BATCH = 5000


def insert_rows(model, fields: list[str], rows) -> int:
    """INSERT `rows` (tuples of Python values in the order of `fields`; foreign keys by
    their attname, e.g. "case_id") into `model`'s table; returns the number of rows."""
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    count = 0
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(tuple(
                field.get_db_prep_save(value, connection)
                for field, value in zip(columns, row, strict=True)
            ))
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def insert_objects(model, fields: list[str], objects) -> int:
    """INSERT unsaved model instances (their `fields`)."""
    attnames = [model._meta.get_field(name).attname for name in fields]
    return insert_rows(model, fields, (
        tuple(getattr(obj, name) for name in attnames) for obj in objects
    ))
