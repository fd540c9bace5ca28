"""Many rows of one model without building SQL per row: PostgreSQL takes them through
``COPY`` (psycopg 3's ``cursor.copy``), SQLite through one prepared single-row INSERT
run by ``executemany``.

The pull sync's first run inserts a member and an audit event per Okta user. Peewee's
``insert_many`` builds the SQL text of every row: on SQLite that was 2/3 of the first
sync's CPU (pyinstrument), on PostgreSQL building and parsing a 500-row ``INSERT ...
VALUES`` cost as much as running it (bench/sync_speed.py). Rows are written exactly as
``insert_many`` writes them: each field's ``db_value`` (JSON as text), and the model's
Python defaults for the fields a row leaves out (the schema has no server defaults).
"""

import peewee as pw

from .db import database, is_sqlite


def insert_rows(model: type[pw.Model], rows: list[dict]) -> None:
    """Insert ``rows`` (dicts keyed by field name, as for ``insert_many``). Triggers fire
    as for an INSERT (COPY runs a table's row and statement triggers)."""
    if not rows:
        return
    named = set().union(*rows)
    unknown = named - set(model._meta.fields)
    if unknown:  # insert_many drops an unknown key without a word; COPY would fail
        raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
    fields = _columns(model, named)
    # Names come from the model's own fields, never from a value; values are bound.
    table = model._meta.table_name
    names = ", ".join(f'"{field.column_name}"' for field in fields)
    plan = [(field.name, field, _is_plain_text(field)) for field in fields]
    values = (_row_values(plan, row) for row in rows)
    if is_sqlite():
        marks = ", ".join("?" * len(fields))
        cursor = database.cursor()
        try:
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608
            cursor.executemany(sql, values)
        finally:
            cursor.close()
        return
    with database.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in values:
            copy.write_row(row)


def _columns(model: type[pw.Model], named: set[str]) -> list[pw.Field]:
    """The fields any row names, and those with a default (filled in as Peewee would)."""
    return [
        field
        for field in model._meta.sorted_fields
        if field.name in named or (field.default is not None and not _is_auto(field))
    ]


def _is_auto(field: pw.Field) -> bool:
    return isinstance(field, pw.AutoField | pw.BigAutoField)


def _is_plain_text(field: pw.Field) -> bool:
    """Whether ``field.db_value`` gives a ``str`` back unchanged: Peewee's text fields
    (``CharField``, ``TextField``...) without a ``db_value`` or ``adapt`` of their own."""
    text_field = getattr(pw, "_StringField", None)  # Peewee's own base; private, so checked
    kind = type(field)
    return (
        text_field is not None
        and isinstance(field, text_field)
        and kind.db_value is pw.Field.db_value
        and kind.adapt is text_field.adapt
    )


def _row_values(plan: list[tuple[str, pw.Field, bool]], row: dict) -> list:
    # A first sync converts millions of values; for a str in a plain text field the
    # db_value call was all of the work (pyinstrument: a sixth of the member inserts).
    out = []
    for name, field, plain_text in plan:
        value = row[name] if name in row else _default(field)
        out.append(value if plain_text and type(value) is str else field.db_value(value))
    return out


def _default(field: pw.Field):
    return field.default() if callable(field.default) else field.default
