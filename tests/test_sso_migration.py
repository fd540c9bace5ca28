"""Migration 011 on a populated database: today's SSO settings become the live
configuration (nobody is locked out), people linked by a sign-in stay linked, and the
old columns go without losing a row. On SQLite and, in the PostgreSQL lane, PostgreSQL."""

import pytest
from peewee_migrate import Router

from tests.conftest import app_config
from wizard import create_app
from wizard.db import MIGRATIONS_DIR, database, upgrade
from wizard.models import EmailDomain, Member, MemberIdentity, OktaConnection, SsoConfiguration

CONNECTION_COLUMNS = (
    "organization_id, scim_key, status, created_at, updated_at, issuer, client_id, "
    "client_secret, client_secret_hint, email_domain, sso_configured_at, sso_tested_at, "
    "sso_enforced, wizard_state, jit_enabled, api_org_url, api_token, api_token_hint, "
    "api_check, sync_app_id, sync_time, deactivation_limit, sync_lease_owner, "
    "last_auth_failure_ip"
)


def insert(sql: str, params: tuple) -> None:
    database.execute_sql(sql.replace("%s", database.param), params)


def seed_at_010():
    for slug in ("acme", "globex"):
        insert(
            "INSERT INTO organization (name, slug, timezone, enterprise_enabled, created_at, "
            "updated_at) VALUES (%s, %s, 'UTC', %s, '2026-01-01', '2026-01-01')",
            (slug.title(), slug, True),
        )
    connection = (
        f"INSERT INTO okta_connection ({CONNECTION_COLUMNS}) VALUES (%s, %s, %s, "
        "'2026-01-01', '2026-01-01', %s, %s, %s, %s, %s, %s, %s, %s, '{}', %s, '', '', '', "
        "'{}', '', '03:00', 20, '', '')"
    )
    # Acme signs in with Okta today (configured, tested); Globex disconnected (settings
    # left behind, no sso_configured_at).
    insert(
        connection,
        (
            1,
            "k1",
            "active",
            "https://acme.okta.com",
            "0oa1",
            "gAAAA-enc",
            "…1234",
            "acme.example.com",
            "2026-02-01",
            "2026-02-02",
            True,
            False,
        ),
    )
    insert(
        connection,
        (
            2,
            "k2",
            "disconnected",
            "https://globex.okta.com",
            "0oa2",
            "",
            "",
            None,
            None,
            None,
            False,
            False,
        ),
    )
    member = (
        "INSERT INTO member (organization_id, is_staff, email, email_key, given_name, "
        "family_name, display_name, title, department, phone_numbers, photo_url, "
        "employee_number, okta_id, source, managed_by, keep_local, active, role, "
        "session_version, created_at, updated_at, scim_id, scim_hidden, manager_id, "
        "field_sources, version) VALUES (%s, %s, %s, %s, '', '', '', '', '', '[]', '', '', "
        "%s, 'okta', 'scim', %s, %s, '', 1, '2026-01-01', '2026-01-01', %s, %s, '', '{}', 1)"
    )
    for n, (org, email, okta_id) in enumerate(
        [
            (1, "jane@acme.example.com", "00u-jane"),
            (1, "raj@acme.example.com", None),
            (2, "ann@globex.example.com", "00u-ann"),
            (1, "dup1@acme.example.com", "00u-dup"),  # one okta_id on two members:
            (1, "dup2@acme.example.com", "00u-dup"),  # neither is linked
        ]
    ):
        insert(member, (org, False, email, email, okta_id, False, True, f"scim-{n}", False))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at_010(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at010.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    create_app(app_config(tmp_path, url))
    with database.connection_context():
        Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).run("010_email_domains")
        seed_at_010()
        yield
    if not database.is_closed():
        database.close()


def test_migration_011_makes_todays_settings_live_and_keeps_links(database_at_010):
    upgrade()
    live = SsoConfiguration.get(SsoConfiguration.connection == 1)
    assert (live.state, live.issuer, live.client_id) == ("live", "https://acme.okta.com", "0oa1")
    assert (live.client_secret, live.client_secret_hint) == ("gAAAA-enc", "…1234")
    assert live.tested_at is not None and live.activated_at is not None
    retired = SsoConfiguration.get(SsoConfiguration.connection == 2)
    assert (retired.state, retired.issuer) == ("retired", "https://globex.okta.com")
    assert OktaConnection.get_by_id(1).live_sso.id == live.id
    assert OktaConnection.get_by_id(2).live_sso is None
    identities = [(i.member.email, i.issuer, i.subject) for i in MemberIdentity.select()]
    assert identities == [("jane@acme.example.com", "https://acme.okta.com", "00u-jane")]
    assert Member.select().count() == 5 and OktaConnection.select().count() == 2
    columns = {c.name for c in database.get_columns("okta_connection")}
    assert not columns & {"issuer", "client_id", "client_secret", "sso_configured_at"}
    # The row's other columns stay; its email domain is a claim since migration 014.
    assert [d.domain for d in EmailDomain.select().where(EmailDomain.organization == 1)] == [
        "acme.example.com"
    ]
