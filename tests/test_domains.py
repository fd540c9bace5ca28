"""Email domains: claims, verified domains, and the organization a domain routes to."""

from peewee_migrate import Router

from tests.conftest import app_config
from wizard import create_app, domains
from wizard.db import MIGRATIONS_DIR, database, upgrade
from wizard.models import EmailDomain


def test_only_a_verified_domain_routes_to_its_organization(org, other_org):
    """A claim routes nothing; the organization holding the domain verified gets it, and
    another organization's pending claim on the same domain changes nothing."""
    mine, created = domains.claim(org, "Acme.Example.com")
    assert created and mine.domain == "acme.example.com" and mine.status == "pending"
    domains.claim(other_org, "acme.example.com")
    assert domains.organization_for_email("jane@acme.example.com") is None
    EmailDomain.update(status="verified").where(EmailDomain.id == mine.id).execute()
    assert domains.organization_for_email("Jane@ACME.example.com").id == org.id
    assert domains.is_verified(org, "jane@acme.example.com")
    assert not domains.is_verified(other_org, "acme.example.com")
    assert domains.claim(org, "acme.example.com") == (EmailDomain.get_by_id(mine.id), False)


def test_migration_turns_the_old_email_domain_into_a_pending_claim(tmp_path):
    """Migration 010: the connection's unproven email_domain becomes a pending claim."""
    create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'old.db'}"))
    with database.connection_context():
        Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).run("009_scale_indexes")
        database.execute_sql(
            "INSERT INTO organization (name, slug, timezone, enterprise_enabled, created_at, "
            "updated_at) VALUES ('Acme', 'acme', 'UTC', 1, '2026-01-01', '2026-01-01')"
        )
        database.execute_sql(
            "INSERT INTO okta_connection (organization_id, scim_key, status, created_at, "
            "updated_at, issuer, client_id, client_secret, client_secret_hint, email_domain, "
            "sso_enforced, wizard_state, jit_enabled, api_org_url, api_token, api_token_hint, "
            "api_check, sync_app_id, sync_time, deactivation_limit, sync_lease_owner, "
            "last_auth_failure_ip) VALUES (1, 'k', 'active', '2026-01-01', '2026-01-01', '', '',"
            " '', '', ' Acme.Example.com', 0, '{}', 0, '', '', '', '{}', '', '03:00', 20, '', '')"
        )
        upgrade()
        claims = list(EmailDomain.select())
    assert [(c.organization_id, c.domain, c.status) for c in claims] == [
        (1, "acme.example.com", "pending")
    ]
    assert len(claims[0].token) >= 24
