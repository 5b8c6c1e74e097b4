"""A reliability snapshot's JSON compressed with lz4 rather than PostgreSQL's default pglz
(PostgreSQL 14 and later, where the server was built with it, as the common packages are):
at 50,000 cases writing a snapshot's 14 MB of per-case values as jsonb took 0.63-0.76 s
against 0.82-0.93 s. Elsewhere (SQLite, an older server, a server without lz4) nothing
changes: the values are only compressed more slowly."""

from django.db import migrations, transaction
from django.db.utils import DatabaseError

COLUMNS = ("report", "drift", "drift_codings")


def _set_compression(schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute(
                "ALTER TABLE coding_reliabilitysnapshot "
                + ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}"
                            for column in COLUMNS))
    except DatabaseError:  # a server built without lz4: pglz, as before
        pass


def lz4(apps, schema_editor):
    _set_compression(schema_editor, "lz4")


def pglz(apps, schema_editor):
    _set_compression(schema_editor, "pglz")


class Migration(migrations.Migration):

    dependencies = [
        ("coding", "0031_release_jobs"),
    ]

    operations = [migrations.RunPython(lz4, pglz)]
