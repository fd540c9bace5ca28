"""Migration 023 on a populated database: every value of every connection moves to its
focused table (encrypted secrets still decrypt), the old columns go, no row is lost;
the rollback puts every value back. On SQLite and, in its lane, PostgreSQL."""

import importlib
from datetime import datetime

import pytest
from peewee_migrate import Router

from tests.conftest import app_config
from tests.test_migrations import MIGRATION_NAMES
from tests.test_scim_owners import insert_row
from wizard import create_app, models
from wizard.db import MIGRATIONS_DIR, database
from wizard.security import decrypt_secret, encrypt_secret

MIGRATION_023 = "023_connection_parts"
MIGRATION = importlib.import_module(f"wizard.migrations.{MIGRATION_023}")
AT = datetime(2026, 2, 3, 4, 5, 6)
# What a new connection held in the columns 023 moves. The schema has no DEFAULT clauses,
# so a test inserting a connection at an older migration passes them (``insert_row``
# keeps the ones the table has at that migration).
MOVED_COLUMN_DEFAULTS = {
    "last_auth_failure_ip": "",
    "throttled_requests": 0,
    "last_throttled_ip": "",
    "sso_enforced": False,
    "jit_enabled": False,
    "jit_role": "",
    "api_org_url": "",
    "api_auth": "token",
    "api_token": "",
    "api_token_hint": "",
    "api_check": "{}",
    "oauth_client_id": "",
    "oauth_private_key": "",
    "oauth_public_jwk": "",
    "oauth_key_id": "",
    "sync_app_id": "",
    "sync_time": "03:00",
    "deactivation_limit": 20,
    "sync_lease_owner": "",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_before_023(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before023.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    app = create_app(app_config(tmp_path, url))
    with app.app_context(), database.connection_context():
        router = Router(database.obj, migrate_dir=str(MIGRATIONS_DIR))
        router.run(MIGRATION_NAMES[MIGRATION_NAMES.index(MIGRATION_023) - 1])
        yield router


def old_connection(organization_id: int, scim_key: str, break_glass_id, **values) -> dict:
    """Every column 023 moves, each with a value unlike its default."""
    return {
        "organization": organization_id,
        "scim_key": scim_key,
        "status": "active",
        "last_scim_request_at": AT,
        "last_auth_failure_at": AT,
        "last_auth_failure_ip": "192.0.2.10",
        "throttled_requests": 7,
        "last_throttled_at": AT,
        "last_throttled_ip": "192.0.2.11",
        "password_push_seen_at": AT,
        "sso_enforced": True,
        "jit_enabled": True,
        "jit_role": "User",
        "break_glass_id": break_glass_id,
        "api_org_url": f"https://{scim_key}.okta.com",
        "api_auth": "service_app",
        "api_token": encrypt_secret(f"00-{scim_key}-token"),
        "api_token_hint": "…oken",
        "api_checked_at": AT,
        "api_check": '{"ok": true, "roles": ["ORG_ADMIN"]}',
        "api_last_used_at": AT,
        "oauth_client_id": f"0oa-{scim_key}",
        "oauth_private_key": encrypt_secret(f'{{"d": "{scim_key}-private"}}'),
        "oauth_public_jwk": '{"kid": "k1"}',
        "oauth_key_id": "k1",
        "oauth_key_created_at": AT,
        "sync_app_id": "0oascim",
        "sync_time": "04:30",
        "sync_paused_at": AT,
        "deactivation_limit": 35,
        "sync_lease_owner": "host:123",
        "sync_lease_expires_at": AT,
        **values,
    }


def seed(router) -> tuple[list[str], list]:
    acme = insert_row(models.Organization, name="Acme", slug="acme")
    globex = insert_row(models.Organization, name="Globex", slug="globex")
    admin = insert_row(
        models.Member, organization=acme, email="a@acme.example.com", email_key="a@acme.example.com"
    )
    rows = [old_connection(acme, "acmekey", admin), old_connection(globex, "globexkey", None)]
    # Globex: a plain connection, the defaults of a new one (no API, nothing seen yet).
    rows[1].update(
        sso_enforced=False,
        jit_enabled=False,
        jit_role="",
        api_token="",
        api_auth="token",
        oauth_private_key="",
        last_scim_request_at=None,
        sync_lease_expires_at=None,
        throttled_requests=0,
        api_check="{}",
    )
    for row in rows:
        insert_row(models.OktaConnection, **row)
    moved = [c for c in rows[0] if c not in ("organization", "scim_key", "status")]
    before = database.execute_sql(
        "SELECT " + ", ".join(f'"{c}"' for c in moved) + " FROM okta_connection ORDER BY id"
    ).fetchall()
    return moved, before


def test_migration_023_moves_every_value_and_keeps_every_row(database_before_023):
    """Read as stored (raw SQL: the models already know later migrations' columns), each
    part's row holds exactly its connection's old values, and the secrets decrypt."""
    router = database_before_023
    moved, before = seed(router)
    router.run(MIGRATION_023)
    left = {c.name for c in database.get_columns("okta_connection")}
    assert not left & set(moved), left & set(moved)
    ids = [row[0] for row in database.execute_sql("SELECT id FROM okta_connection ORDER BY id")]
    assert len(ids) == 2
    old_by_id = {i: dict(zip(moved, row, strict=True)) for i, row in zip(ids, before, strict=True)}
    for table, columns in MIGRATION.MOVED.items():
        names = ", ".join(f'"{new}"' for new, _ in columns)
        stored = database.execute_sql(
            f'SELECT connection_id, {names} FROM "{table}" ORDER BY connection_id'
        ).fetchall()
        expected = [(i, *(old_by_id[i][old] for _, old in columns)) for i in ids]
        assert [tuple(row) for row in stored] == expected, table
    token, key = database.execute_sql(
        "SELECT token, oauth_private_key FROM okta_api_connection ORDER BY connection_id"
    ).fetchone()
    assert decrypt_secret(token) == "00-acmekey-token"  # secrets still decrypt
    assert decrypt_secret(key) == '{"d": "acmekey-private"}'
    assert set(old_by_id[ids[0]]) == {old for cs in MIGRATION.MOVED.values() for _, old in cs}


def test_migration_023_rolls_back_every_value(database_before_023):
    router = database_before_023
    moved, before = seed(router)
    router.run(MIGRATION_023)
    assert "sync_lease" in database.get_tables()
    router.run_one(MIGRATION_023, router.migrator, fake=False, downgrade=True)
    for table in (
        "scim_health",
        "sign_in_policy",
        "okta_api_connection",
        "sync_settings",
        "sync_lease",
    ):
        assert table not in database.get_tables()
    after = database.execute_sql(
        "SELECT " + ", ".join(f'"{c}"' for c in moved) + " FROM okta_connection ORDER BY id"
    ).fetchall()
    assert [tuple(map(_plain, row)) for row in after] == [tuple(map(_plain, row)) for row in before]


def _plain(value):
    return int(value) if isinstance(value, bool) else value
