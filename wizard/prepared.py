"""Hot queries compiled once.

Peewee builds the SQL text of a query on every call: 0.3-0.5 ms for a ``Member`` select,
about thirty times what SQLite then needs to run it. The SCIM request path runs the same
handful of queries thousands of times, so it keeps their SQL and only binds new values
(bench/profile_mix.py shows the difference; docs/benchmarks.md has the figures).

A prepared query is built once per database kind from a function of placeholder values;
the SQL must not depend on the values (no ``IN`` lists, no ``None`` comparisons).
"""

import peewee as pw

from . import hot_statements
from .db import database

_INT_MARKER = -7_340_000_000_000


class Prepared:
    """``Prepared(build, int, str)``: ``build(a, b)`` returns a peewee query whose
    parameters are ``a`` and ``b``; ``rows(x, y)`` runs it with ``x`` and ``y`` bound.

    A kind is ``int``, ``str`` or a peewee field whose ``db_value`` converts the value
    (a JSON field, say)."""

    def __init__(self, build, *kinds, constants_allowed: bool = True):
        self.build, self.kinds = build, kinds
        self.constants_allowed = constants_allowed
        self._compiled: dict[str, tuple] = {}
        self._layouts: dict[str, dict] = {}

    def _compile(self) -> tuple:
        key = database.obj.param
        compiled = self._compiled.get(key)
        if compiled is None:
            markers = [
                _INT_MARKER - i if kind is int else f"\x00prepared-{i}\x00"
                for i, kind in enumerate(self.kinds)
            ]
            expected = [
                kind.db_value(marker) if isinstance(kind, pw.Field) else marker
                for kind, marker in zip(self.kinds, markers, strict=True)
            ]
            query = self.build(*markers)
            sql, params = query.sql()
            slots = [
                ("value", expected.index(p))
                if isinstance(p, int | str) and not isinstance(p, bool) and p in expected
                else ("constant", p)
                for p in params
            ]
            missing = set(range(len(markers))) - {i for kind, i in slots if kind == "value"}
            if missing:
                raise ValueError(f"prepared query does not use arguments {sorted(missing)}")
            if not self.constants_allowed and any(kind == "constant" for kind, _ in slots):
                # e.g. a default Peewee evaluated once at build time: every run would repeat it
                raise ValueError(f"prepared query holds a value of its own: {params}")
            compiled = self._compiled[key] = (query, hot_statements.mark_hot(sql), slots)
        return compiled

    def _execute(self, values):
        query, sql, slots = self._compile()
        values = [
            kind.db_value(value) if isinstance(kind, pw.Field) else value
            for kind, value in zip(self.kinds, values, strict=True)
        ]
        params = [values[i] if kind == "value" else i for kind, i in slots]
        return query, database.execute_sql(sql, params)

    def rows(self, *values) -> list:
        """Model instances (joined models attached), as the query itself would return."""
        query, cursor = self._execute(values)
        wrapper = query._get_cursor_wrapper(cursor)
        # Peewee works out each column's field and converter from the cursor's
        # description on every run (a third of a compiled read's Python, by cProfile);
        # the SQL is fixed, so is the answer: keep what the first run worked out.
        key = database.obj.param
        layout = self._layouts.get(key)
        if layout is not None:
            wrapper.__dict__.update(layout)
            return list(wrapper)
        plain = set(wrapper.__dict__)
        found = list(wrapper)
        if wrapper.initialized:
            self._layouts[key] = {k: v for k, v in wrapper.__dict__.items() if k not in plain}
            self._layouts[key]["initialized"] = True
        return found

    def first(self, *values):
        found = self.rows(*values)
        return found[0] if found else None

    def run(self, *values) -> int:
        """Execute a write; returns the row count."""
        _query, cursor = self._execute(values)
        return cursor.rowcount


_BY_COLUMNS: dict[tuple, Prepared] = {}


def _for_columns(verb: str, model, names: tuple, build, *, extra: int = 0, **options) -> Prepared:
    """``build(columns, marks)``'s statement for these columns of ``model``, compiled once
    per verb, model and set of columns. ``columns`` maps each field to its mark, a value
    bound as given (the caller converts it: ``_db_values``); ``extra`` marks follow."""
    key = (verb, model, names)
    prepared = _BY_COLUMNS.get(key)
    if prepared is None:
        fields = [model._meta.fields[name] for name in names]
        prepared = _BY_COLUMNS[key] = Prepared(
            lambda *marks: build(
                {f: pw.Value(m, converter=False) for f, m in zip(fields, marks, strict=False)},
                marks,
            ),
            *([str] * (len(fields) + extra)),
            **options,
        )
    return prepared


def _db_values(row: pw.Model, names: tuple) -> list:
    return [row._meta.fields[name].db_value(row.__data__.get(name)) for name in names]


def save_changed(row: pw.Model) -> int:
    """``row.save()`` for a model that saves only its changed columns, with the UPDATE
    compiled once per set of changed columns: a SCIM PATCH changes the same two or three
    every time, and building the statement cost more than running it."""
    model = row.__class__
    names = tuple(sorted(row._dirty))
    if not names:
        return 0
    key = model._meta.primary_key
    prepared = _for_columns(
        "update",
        model,
        names,
        lambda columns, marks: model.update(columns).where(
            key == pw.Value(marks[-1], converter=False)
        ),
        extra=1,
    )
    count = prepared.run(*_db_values(row, names), row.__data__[key.name])
    row._dirty.clear()
    return count


def insert_new(row: pw.Model) -> pw.Model:
    """``row.save(force_insert=True)`` with the INSERT compiled once per set of columns
    given: a SCIM create inserts the same columns every time, and Peewee building the
    statement was most of the Python a create spends under the organization's lock.
    Columns the row holds no value for are left out, as ``save`` leaves them (the
    database's default applies). Returns ``row`` with its new primary key."""
    model = row.__class__
    key_name = model._meta.primary_key.name
    if row.__data__.get(key_name) is not None:
        raise ValueError(f"insert_new makes the {key_name}: this {model.__name__} has one")
    names = tuple(sorted(name for name in row.__data__ if name != key_name))
    prepared = _for_columns(
        "insert",
        model,
        names,
        lambda columns, _marks: model.insert(columns),
        constants_allowed=False,  # a default Peewee evaluated once would repeat in every row
    )
    _query, cursor = prepared._execute(_db_values(row, names))
    # PostgreSQL (and SQLite from 3.35) answer the INSERT's RETURNING; older SQLite, lastrowid.
    # Asked of the database, not the cursor: in a pipeline the cursor knows nothing yet.
    returned = cursor.fetchone() if database.returning_clause else None
    row.__data__[key_name] = returned[0] if returned else cursor.lastrowid
    row._dirty.clear()
    return row
