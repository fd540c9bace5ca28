"""Server-side prepared statements on PostgreSQL (wizard/hot_statements.py): the request
path's hot statements are prepared once per connection, nothing else ever is (the sync's
batch lookups once kept plans chosen for an empty table), and the setting turns them
all off for a PgBouncer that cannot keep them."""

import peewee as pw
import psycopg
import pytest

from tests.conftest import app_config, migrated_app, pooled
from wizard import create_app
from wizard.config import UnsafeConfiguration
from wizard.db import database, write_transaction
from wizard.directory.members import member_by_user_name
from wizard.domain.organizations import create_organization
from wizard.models import Member, utcnow
from wizard.scim.verified_tokens import current_version


@pytest.fixture
def postgres_app(tmp_path, postgres_schema_url):
    apps = []

    def make(through_pool=True, **settings):
        url = pooled(postgres_schema_url) if through_pool else postgres_schema_url
        apps.append(migrated_app(tmp_path, url, **settings))
        return apps[-1]

    yield make
    for app in apps:
        with app.app_context():
            if hasattr(database.obj, "close_all"):
                database.obj.close_all()


def prepared_on_this_connection() -> list[str]:
    rows = database.execute_sql("SELECT statement FROM pg_prepared_statements").fetchall()
    return [statement for (statement,) in rows]


def hot_and_cold_work(org) -> None:
    """Each hot statement three times, and a statement built anew each time ten times
    (as the sync's lookups are): psycopg's own rule would prepare that one after five."""
    for _ in range(3):
        with write_transaction(org):
            member_by_user_name(org, "ada@acme.example.com")
        current_version()
    for _ in range(10):
        list(Member.select().where(Member.id.in_([1, 2, 3])))


def test_hot_statements_are_prepared_once_and_nothing_else(postgres_app):
    app = postgres_app()
    with app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        hot_and_cold_work(org)
        prepared = prepared_on_this_connection()
    assert sum("FOR UPDATE" in s for s in prepared) == 1, prepared
    assert sum("FROM auth_version" in s for s in prepared) == 1, prepared
    assert sum('"user_name_key" = $2' in s for s in prepared) == 1, prepared
    assert not [s for s in prepared if " IN (" in s], prepared


def test_the_setting_turns_every_server_prepare_off(postgres_app):
    app = postgres_app(DATABASE_SERVER_PREPARES="0")
    with app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        hot_and_cold_work(org)
        assert prepared_on_this_connection() == []


def test_a_connection_that_lives_for_one_request_prepares_nothing(postgres_app):
    """Without the pool each prepare would be an extra round trip never reused."""
    app = postgres_app(through_pool=False)
    with app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        hot_and_cold_work(org)
        assert prepared_on_this_connection() == []


def test_a_column_type_migration_costs_no_request(postgres_app, postgres_schema_url):
    """Another process changes a column's type under the pool's prepared statements
    (a deploy's `db upgrade`): PostgreSQL refuses them ("cached plan must not change
    result type"); outside a transaction the statement is prepared again and answers,
    inside one that transaction fails once and the next works."""
    app = postgres_app()
    with app.app_context():
        with database.connection_context():
            org = create_organization("Acme", "acme", enterprise_enabled=True)
            assert member_by_user_name(org, "ada@acme.example.com") is None
            current_version()
        with psycopg.connect(postgres_schema_url, autocommit=True) as other:
            other.execute("ALTER TABLE member ALTER COLUMN title TYPE text")
            other.execute("ALTER TABLE auth_version ALTER COLUMN version TYPE bigint")
        for _ in range(3):
            with database.connection_context():
                assert member_by_user_name(org, "ada@acme.example.com") is None
                assert current_version() >= 0
        with psycopg.connect(postgres_schema_url, autocommit=True) as other:
            other.execute("ALTER TABLE member ALTER COLUMN title TYPE varchar(300)")
        with database.connection_context():
            with pytest.raises(pw.NotSupportedError), write_transaction(org):
                member_by_user_name(org, "ada@acme.example.com")
            with write_transaction(org):
                assert member_by_user_name(org, "ada@acme.example.com") is None


def test_a_rolled_back_write_leaves_the_prepared_statements_working(postgres_app):
    """A statement prepared inside a transaction that then fails (a unique value taken)
    still answers right after the rollback (psycopg forgets the connection's prepared
    statements at a rollback and prepares them again)."""
    app = postgres_app()
    with app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        now, name = utcnow(), "ada@acme.example.com"
        row = {
            "organization": org, "email": name, "email_key": name, "user_name": name,
            "user_name_key": name, "created_at": now, "updated_at": now,
        }  # fmt: skip
        Member.create(**row)
        with pytest.raises(pw.IntegrityError), write_transaction(org):
            assert member_by_user_name(org, name) is not None
            Member.create(**{**row, "email": "other@acme.example.com"})
        with write_transaction(org):
            assert member_by_user_name(org, name).email == name
            assert member_by_user_name(org, "nobody@acme.example.com") is None


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("off", False), ("", True)])
def test_the_setting_reads_like_every_switch(tmp_path, value, expected):
    app = create_app(
        app_config(tmp_path, f"sqlite:///{tmp_path / 'a.db'}", DATABASE_SERVER_PREPARES=value)
    )
    assert app.config["DATABASE_SERVER_PREPARES"] is expected


def test_a_setting_that_is_not_on_or_off_is_refused(tmp_path):
    with pytest.raises(UnsafeConfiguration, match="DATABASE_SERVER_PREPARES must be 1 or 0"):
        create_app(
            app_config(
                tmp_path, f"sqlite:///{tmp_path / 'a.db'}", DATABASE_SERVER_PREPARES="sometimes"
            )
        )
