"""The Peewee database: one proxy, bound in the factory, opened per request.

SQLite runs with WAL (readers never block the writer), foreign keys on and a busy
timeout; PostgreSQL comes through the same ``DATABASE_URL``. Schema changes are
versioned migrations (peewee-migrate) kept in ``wizard/migrations``.
"""

import json
from contextlib import contextmanager
from pathlib import Path

import click
import peewee as pw
from flask import Flask, g, request
from flask.cli import with_appcontext
from playhouse.db_url import connect as connect_url
from playhouse.pool import PooledSqliteDatabase

from . import db_triggers, hot_statements
from .pg_pipeline import pipelined_transaction
from .pg_pool import pooled_database
from .sqlite_writers import writers

database = pw.DatabaseProxy()

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}
# Requests that must work without a database connection (or open their own).
ENDPOINTS_WITHOUT_DB = {"static", "health.healthz"}


def make_database(url: str, *, server_prepares: bool = True) -> pw.Database:
    """A Peewee database for ``url`` (``sqlite:///path`` or ``postgresql://...``);
    ``server_prepares``: PostgreSQL prepares the request path's hot statements
    (wizard/hot_statements.py)."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else url.split("://", 1)[1]
        if path in ("", ":memory:"):
            return pw.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Pooled: a request takes an open connection instead of opening the file, reading
        # the schema and setting the pragmas again (and, as the last one out, having WAL
        # checkpointed on close). ``timeout`` is the wait for a free connection; the wait
        # for the write lock is the busy_timeout pragma.
        return PooledSqliteDatabase(
            path,
            pragmas=SQLITE_PRAGMAS,
            max_connections=64,
            stale_timeout=600,
            timeout=10,
            check_same_thread=False,  # a pooled connection moves between threads, one at a time
        )
    pool = pooled_database(url, **hot_statements.connect_options(server_prepares))
    return pool or connect_url(url, **hot_statements.connect_options(False))


def is_sqlite() -> bool:
    return isinstance(database.obj, pw.SqliteDatabase)


# Values per ``one_of`` lookup. PostgreSQL probes an index for up to about a thousand
# values and reads the whole table above: at 100,000 members 2,000 scim ids took 240 ms
# as a scan of every member, 4 batches of 500 took 13 ms each (docs/benchmarks.md).
LOOKUP_CHUNK = 500


def chunks(items: list, size: int):
    """``items`` in slices of ``size``: statements stay under the bound-parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def one_of(column, values: list):
    """``column IN values`` for long lists, as one parameter. On PostgreSQL it is
    ``= ANY(array)``: the plan psycopg prepares after a few runs is the same index scan
    whatever the list's length; ``IN ($1..$500)`` got a generic plan fixed while the
    table was small and then scanned 100,000 rows per batch of the sync. On SQLite it is
    ``IN (SELECT value FROM json_each(?))``, the same index search as a list of
    placeholders (EXPLAIN QUERY PLAN) without peewee writing 500 of them into the SQL
    each time: 5.2 ms of a 500-key lookup's SQL, 0.55 ms this way."""
    keys = [column.db_value(value) for value in values]  # a model's id, for a foreign key
    if is_sqlite():
        return column.in_(pw.SQL("(SELECT value FROM json_each(?))", [json.dumps(keys)]))
    # An explicit converter: the column's own (str for a CharField) must not see the list.
    return column == pw.fn.ANY(pw.Value(keys, converter=list, unpack=False))


def refresh_statistics(*models: type[pw.Model]) -> None:
    """``ANALYZE`` the models' tables on PostgreSQL, after a bulk load grew them. Until
    autovacuum gets there the planner believes a table is as small as it was: a first
    sync's 500-id member lookups then read every member of the organization (a bitmap
    scan of the organization's rows, 19,500 of 20,000 filtered out: 12 ms, 0.8 ms after
    ANALYZE, EXPLAIN ANALYZE at 20k), and the re-sync right after paid it 200 times."""
    if is_sqlite():
        return  # SQLite's planner prefers the indexes without statistics
    for model in models:
        database.execute_sql(f'ANALYZE "{model._meta.table_name}"')


def rows_from_either_end(query, reverse: tuple, offset: int, limit: int, total: int) -> list:
    """``limit`` rows of the ordered ``query`` from ``offset``, of ``total`` rows. OFFSET
    walks every row before the page, so the last page of 100,000 cost what reading all
    of them does: past the middle the rows are read from the other end (``reverse``:
    the ORDER BY with every direction flipped) with the small offset that leaves, and
    turned around. Team > Users and SCIM's /Users page this way."""
    if offset <= total // 2 or offset >= total:
        return list(query.offset(offset).limit(limit))
    limit = min(limit, total - offset)
    from_end = total - offset - limit
    return list(query.order_by(*reverse).offset(from_end).limit(limit))[::-1]


_LOCK_ORGANIZATION = hot_statements.mark_hot("SELECT id FROM organization WHERE id = %s FOR UPDATE")


@contextmanager
def write_transaction(organization=None, *, on: pw.Database | None = None, pipelined=False):
    """A transaction for read-then-write work, serialized with the other writers.

    On SQLite it takes the write lock up front (BEGIN IMMEDIATE), so two writers queue
    on the busy timeout instead of one failing with "database is locked" when it
    upgrades its read lock. On PostgreSQL, given an organization, it first locks that
    organization's row (``SELECT ... FOR UPDATE``): writers of one tenant queue, from
    any process, and every read after the lock sees the previous writer's commit (seat
    counts, "does this userName exist", group membership sets), while other tenants
    write in parallel.

    ``on`` is a database other than the app's current one (a background writer keeps the
    database of the app that queued its rows). ``pipelined``: on PostgreSQL, in psycopg's
    pipeline mode (wizard/pg_pipeline.py; SCIM writes).
    """
    db = database.obj if on is None else on
    if isinstance(db, pw.SqliteDatabase):
        # Writers queue first (threads and processes, wizard/sqlite_writers.py): SQLite's
        # busy handler waits by sleeping 1, 2, 5, 10 ms... between tries.
        timeout = SQLITE_PRAGMAS["busy_timeout"] / 1000
        with writers.hold(db.database, timeout), db.atomic(lock_type="IMMEDIATE") as transaction:
            yield transaction
        return
    if pipelined and not db.in_transaction():  # nested, it is the outer one's savepoint
        with pipelined_transaction(db, lambda: _lock(db, organization)) as transaction:
            yield transaction
        return
    with db.atomic() as transaction:
        _lock(db, organization)
        yield transaction


def _lock(db: pw.Database, organization) -> None:
    if organization is not None:
        db.execute_sql(_LOCK_ORGANIZATION, (getattr(organization, "id", organization),))


def init_app(app: Flask) -> None:
    database.initialize(
        make_database(
            app.config["DATABASE_URL"], server_prepares=app.config["DATABASE_SERVER_PREPARES"]
        )
    )
    app.before_request(_open_connection)
    app.teardown_request(_close_connection)
    app.cli.add_command(db_cli)


def _open_connection() -> None:
    # A request served inside an open connection (a job's in-process WSGI call, a test)
    # reuses it and must leave it open: only a connection opened here is closed here.
    if request.endpoint not in ENDPOINTS_WITHOUT_DB:
        g.db_opened_by_request = database.connect(reuse_if_open=True)


def _close_connection(_exc) -> None:
    if g.pop("db_opened_by_request", False) and not database.is_closed():
        database.close()


def migration_router():
    # Imported here: peewee-migrate pulls in its own CLI machinery, not needed per request.
    from peewee_migrate import Router

    return Router(database.obj, migrate_dir=str(MIGRATIONS_DIR), ignore=["basemodel"])


def upgrade() -> list[str]:
    """Apply every migration not yet applied, then make any missing trigger
    (wizard/db_triggers.py: a migration that rebuilds a SQLite table drops them); returns
    the names of the migrations applied."""
    pending = _migrate()
    db_triggers.ensure(database.obj)
    return pending


def _migrate() -> list[str]:
    """On SQLite, changing a column rebuilds its table; with foreign keys on, dropping the
    old table would fire ON DELETE actions and lose dependent rows. SQLite's documented
    procedure is to turn them off around the change and check integrity afterwards."""
    router = migration_router()
    pending = router.diff
    if not pending:
        return []
    if not is_sqlite():
        router.run()
        return pending
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        router.run()
        broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")
    return pending


def applied_migrations() -> list[str]:
    return list(migration_router().done)


@click.group("db", help="Create and upgrade the database schema.")
def db_cli():
    pass


@db_cli.command("init", help="Create the schema if missing (safe to run again).")
@with_appcontext
def init_command():
    with database.connection_context():
        applied = upgrade()
    click.echo(f"database ready ({len(applied)} migration(s) applied)")


@db_cli.command("upgrade", help="Apply pending schema migrations, keeping every row.")
@with_appcontext
def upgrade_command():
    with database.connection_context():
        applied = upgrade()
    if applied:
        click.echo("applied: " + ", ".join(applied))
    else:
        click.echo("database is up to date")
