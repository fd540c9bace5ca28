"""Many rows of one model in as few statements as the engine allows: PostgreSQL takes
them through ``COPY`` (psycopg 3's ``cursor.copy``), SQLite through ``insert_many``.

The pull sync's first run inserts a member and an audit event per Okta user. On
PostgreSQL a 500-row ``INSERT ... VALUES`` cost Peewee about as long to build as the
server took to parse and run it (bench/sync_speed.py, docs/benchmarks.md); COPY has no
SQL per row to build or parse. Rows are written exactly as ``insert_many`` would write
them: each field's ``db_value`` (JSON as text), and the model's Python defaults for the
fields a row leaves out (the schema has no server-side defaults).
"""

import peewee as pw

from .db import chunks, database, is_sqlite


def insert_rows(model: type[pw.Model], rows: list[dict], *, chunk: int = 500) -> None:
    """Insert ``rows`` (dicts keyed by field name, as for ``insert_many``). Triggers fire
    as for an INSERT (COPY runs a table's row and statement triggers)."""
    if not rows:
        return
    named = set().union(*rows)
    unknown = named - set(model._meta.fields)
    if unknown:  # insert_many drops an unknown key without a word; COPY would fail
        raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
    if is_sqlite():
        for part in chunks(rows, chunk):  # under SQLite's bound-parameter limit
            model.insert_many(part).execute()
        return
    fields = _columns(model, named)
    table = model._meta.table_name
    names = ", ".join(f'"{field.column_name}"' for field in fields)
    with database.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([field.db_value(_value(field, row)) for field in fields])


def _columns(model: type[pw.Model], named: set[str]) -> list[pw.Field]:
    """The fields any row names, and those with a default (filled in as Peewee would)."""
    return [
        field
        for field in model._meta.sorted_fields
        if field.name in named or (field.default is not None and not _is_auto(field))
    ]


def _is_auto(field: pw.Field) -> bool:
    return isinstance(field, pw.AutoField | pw.BigAutoField)


def _value(field: pw.Field, row: dict):
    if field.name in row:
        return row[field.name]
    return field.default() if callable(field.default) else field.default
