"""Schema migrations: any earlier schema upgrades to the newest and keeps every row."""

import shutil
import sqlite3
from pathlib import Path

import peewee as pw
import pytest
from peewee_migrate import Router

from tests.conftest import app_config
from wizard import create_app, models
from wizard.db import MIGRATIONS_DIR, applied_migrations, database, make_database, upgrade

FIXTURE = Path(__file__).parent / "fixtures" / "schema_001.db"
# Columns a later migration removes on purpose; every other column of every row stays.
REMOVED_COLUMNS = {"member": {"source"}}  # 019: it repeated managed_by


def fixture_rows() -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table of the committed fixture: its columns and rows."""
    connection = sqlite3.connect(FIXTURE)
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'migratehistory'"
        )
    ]
    result = {}
    for table in tables:
        cursor = connection.execute(f'SELECT * FROM "{table}" ORDER BY id')
        result[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    connection.close()
    return result


def rows_now(table: str, columns: list[str]) -> list[tuple]:
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor = database.execute_sql(f'SELECT {quoted} FROM "{table}" ORDER BY id')
    return [tuple(_plain(v) for v in row) for row in cursor.fetchall()]


def _plain(value):
    """PostgreSQL returns datetimes and bools; the fixture holds SQLite's text and ints."""
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    return value


def assert_every_row_kept(expected):
    assert all(rows for _, rows in expected.values()), "the fixture must fill every table"
    for table, (columns, rows) in expected.items():
        removed = REMOVED_COLUMNS.get(table, set())
        kept = [i for i, column in enumerate(columns) if column not in removed]
        assert rows_now(table, [columns[i] for i in kept]) == [
            tuple(_plain(r[i]) for i in kept) for r in rows
        ], table
        assert not removed & {c.name for c in database.get_columns(table)}, table


def test_fixture_covers_every_table_of_the_first_migration():
    """The committed fixture has rows in every table migration 001 creates."""
    assert set(fixture_rows()) == {m._meta.table_name for m in models.CORE_MODELS}


def test_sqlite_fixture_upgrades_keeping_every_row(tmp_path):
    """The 001 fixture, upgraded on SQLite, still holds every row unchanged."""
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    create_app(app_config(tmp_path, f"sqlite:///{path}"))
    expected = fixture_rows()
    with database.connection_context():
        upgrade()
        assert applied_migrations() == sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))
        assert_every_row_kept(expected)


@pytest.mark.postgres
def test_postgres_schema_001_upgrades_keeping_every_row(tmp_path, postgres_schema_url):
    """The same rows, loaded into PostgreSQL at schema 001, survive the upgrade."""
    create_app(app_config(tmp_path, postgres_schema_url))
    expected = fixture_rows()
    with database.connection_context():
        Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).run("001_initial")
        for table in (
            "organization",
            "site",
            "member",
            "group",
            "membership",
            "role_assignment",
            "audit_event",
        ):
            columns, rows = expected[table]
            _insert_into_postgres(table, columns, rows)
        upgrade()
        assert_every_row_kept(expected)


def _insert_into_postgres(table, columns, rows):
    boolean_columns = {name for name, column in _columns_of(table).items() if column == "boolean"}
    quoted = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    for row in rows:
        values = [
            bool(v) if c in boolean_columns and v is not None else v
            for c, v in zip(columns, row, strict=True)
        ]
        database.execute_sql(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', values)
    database.execute_sql(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
        f'(SELECT MAX(id) FROM "{table}"))'
    )


def _columns_of(table):
    cursor = database.execute_sql(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND table_schema = current_schema()",
        (table,),
    )
    return dict(cursor.fetchall())


def test_models_match_the_migrated_schema(any_db_app):
    """Every model field has its column after upgrading: no change is missing a migration."""
    with database.connection_context():
        for model in _all_models():
            table = model._meta.table_name
            columns = {c.name for c in database.get_columns(table)}
            assert columns == {f.column_name for f in model._meta.sorted_fields}, table


def _all_models():
    return [
        v
        for v in vars(models).values()
        if isinstance(v, type) and issubclass(v, models.BaseModel) and v is not models.BaseModel
    ]


def test_db_init_is_idempotent(tmp_path):
    """``db init`` twice: the second run applies nothing and changes nothing."""
    app = create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'fresh.db'}"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["db", "init"])
    second = runner.invoke(args=["db", "init"])
    assert first.exit_code == second.exit_code == 0
    assert "(0 migration(s) applied)" not in first.output  # "(10 ..." must not match
    assert "(0 migration(s) applied)" in second.output
    assert runner.invoke(args=["db", "upgrade"]).output.strip() == "database is up to date"


def test_sqlite_pragmas(tmp_path):
    """SQLite runs with WAL, foreign keys and a busy timeout."""
    db = make_database(f"sqlite:///{tmp_path / 'p.db'}")
    with db.connection_context():
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert isinstance(db, pw.SqliteDatabase)


MIGRATION_NAMES = sorted(p.stem for p in MIGRATIONS_DIR.glob("[0-9]*.py"))


@pytest.mark.parametrize("applied", MIGRATION_NAMES[:-1])
def test_a_database_at_any_migration_upgrades_to_the_newest(tmp_path, applied):
    """``db upgrade`` from a database stopped at any earlier migration: peewee-migrate
    replays the applied ones (fake) to rebuild its schema state, so each must be safe to
    replay, not only to run once on a new database."""
    create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'at.db'}"))
    with database.connection_context():
        Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).run(applied)
        upgrade()
        assert applied_migrations() == MIGRATION_NAMES


@pytest.fixture(params=["sqlite", "postgresql"])
def database_before_019(request, tmp_path):
    """A database at the migration before 019, on SQLite and (in its lane) PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before019.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    create_app(app_config(tmp_path, url))
    with database.connection_context():
        router = Router(database.obj, migrate_dir=str(MIGRATIONS_DIR))
        router.run(MIGRATION_NAMES[MIGRATION_NAMES.index(MIGRATION_019) - 1])
        yield router


MIGRATION_019 = "019_member_source_removed"


def test_migration_019_drops_member_source_keeping_every_row(database_before_019):
    """019 drops ``member.source`` (it repeated ``managed_by``) and keeps every member; its
    rollback puts the column back, derived from ``managed_by``."""
    from tests.test_scim_owners import insert_row

    router = database_before_019
    insert_row(models.Organization, name="Acme", slug="acme")
    org_id = database.execute_sql("SELECT id FROM organization").fetchone()[0]
    for managed_by, source in (("local", "local"), ("scim", "okta"), ("jit", "okta")):
        email = f"{managed_by}@acme.example.com"
        insert_row(
            models.Member,
            organization=org_id,
            email=email,
            email_key=email,
            managed_by=managed_by,
            source=source,
        )
    members = "SELECT id, email, managed_by FROM member ORDER BY id"
    before = database.execute_sql(members).fetchall()
    router.run(MIGRATION_019)
    assert "source" not in {c.name for c in database.get_columns("member")}
    assert database.execute_sql(members).fetchall() == before
    router.run_one(MIGRATION_019, router.migrator, fake=False, downgrade=True)
    derived = database.execute_sql("SELECT managed_by, source FROM member ORDER BY id")
    assert derived.fetchall() == [("local", "local"), ("scim", "okta"), ("jit", "okta")]
