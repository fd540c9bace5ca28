"""Email domains: claims, verified domains, and the organization a domain routes to."""

import socket
from contextlib import contextmanager
from datetime import datetime, timedelta

import peewee as pw
import pytest
from peewee_migrate import Router

from tests.conftest import app_config, verify_domain
from wizard import create_app
from wizard.db import MIGRATIONS_DIR, database, upgrade
from wizard.domain import email_domain_recheck as domain_recheck
from wizard.domain import email_domain_verification as domain_verification
from wizard.domain import email_domains as domains
from wizard.domain.email_domain_verification import Outcome
from wizard.models import AuditEvent, EmailDomain

NOW = datetime(2026, 11, 23, 9, 0)


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


def insert_old_connection(email_domain: str) -> None:
    """Acme and its connection as a schema before migration 014 stored them."""
    database.execute_sql(
        "INSERT INTO organization (name, slug, timezone, enterprise_enabled, created_at, "
        "updated_at) VALUES ('Acme', 'acme', 'UTC', true, '2026-01-01', '2026-01-01')"
    )
    database.execute_sql(
        "INSERT INTO okta_connection (organization_id, scim_key, status, created_at, "
        "updated_at, issuer, client_id, client_secret, client_secret_hint, email_domain, "
        "sso_enforced, wizard_state, jit_enabled, api_org_url, api_token, api_token_hint, "
        "api_check, sync_app_id, sync_time, deactivation_limit, sync_lease_owner, "
        "last_auth_failure_ip) VALUES (1, 'k', 'active', '2026-01-01', '2026-01-01', '', '',"
        f" '', '', {database.param}, false, '{{}}', false, '', '', '', '{{}}', '', '03:00', 20,"
        " '', '')",
        (email_domain,),
    )


def test_migration_turns_the_old_email_domain_into_a_pending_claim(tmp_path):
    """Migration 010: the connection's unproven email_domain becomes a pending claim."""
    create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'old.db'}"))
    with database.connection_context():
        Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).run("009_scale_indexes")
        insert_old_connection(" Acme.Example.com")
        upgrade()
        claims = list(EmailDomain.select())
    assert [(c.organization_id, c.domain, c.status) for c in claims] == [
        (1, "acme.example.com", "pending")
    ]
    assert len(claims[0].token) >= 24


# --- claims refused at claim time ---------------------------------------------------------


@pytest.mark.parametrize(
    "domain", ["gmail.com", "Outlook.com", "hotmail.com", "yahoo.com", "icloud.com"]
)
def test_a_free_mail_domain_cannot_be_claimed(org, domain):
    """Anyone has a gmail.com address: a free-mail domain never belongs to one organization."""
    with pytest.raises(domains.DomainError, match="free email provider"):
        domains.claim(org, domain)
    assert EmailDomain.select().count() == 0


@pytest.mark.parametrize("domain", ["mailinator.com", "inbox.mailinator.com"])
def test_a_disposable_domain_cannot_be_claimed(org, domain):
    """Disposable addresses (the disposable-email-domains list, subdomains included)."""
    with pytest.raises(domains.DomainError, match="disposable"):
        domains.claim(org, domain)
    assert EmailDomain.select().count() == 0


def test_claiming_a_domain_another_organization_verified_is_refused(org, other_org):
    """Once Acme proved acme.example.com, Globex's claim is refused with the way out."""
    verify_domain(org, "acme.example.com")
    with pytest.raises(domains.DomainError, match="already belongs to another organization"):
        domains.claim(other_org, "ACME.example.com")
    assert not EmailDomain.select().where(EmailDomain.organization == other_org).exists()


# --- verification by DNS TXT through the real DNS server ---------------------------------


def publish(dns_server, claim, name=None, value=None):
    record = domain_verification.record_for(claim)
    dns_server.zone.set(name or record.name, "TXT", value or record.value)
    return record


def test_the_record_to_create_names_the_domain_and_the_claims_token(app_context, org):
    claim, _ = domains.claim(org, "acme.example.com")
    record = domain_verification.record_for(claim)
    assert record.name == "_okta-connector-challenge.acme.example.com"
    assert record.value == f"okta-connector-verification={claim.token}"


def test_the_right_record_verifies_the_domain(app_context, dns_server, org):
    claim, _ = domains.claim(org, "acme.example.com")
    publish(dns_server, claim)
    check = domain_verification.check_now(claim, now=NOW)
    assert check.outcome == Outcome.VERIFIED, check.message
    stored = EmailDomain.get_by_id(claim.id)
    assert (stored.status, stored.method, stored.verified_at) == ("verified", "dns", NOW)
    assert stored.last_checked_at == NOW
    assert domains.organization_for_email("jane@acme.example.com").id == org.id
    assert ("_okta-connector-challenge.acme.example.com", "TXT") in dns_server.zone.queries


def test_a_wrong_token_does_not_verify(app_context, dns_server, org):
    """A TXT record at the right name with a guessed value proves nothing."""
    claim, _ = domains.claim(org, "acme.example.com")
    publish(dns_server, claim, value="okta-connector-verification=guessed-value")
    check = domain_verification.check_now(claim, now=NOW)
    assert check.outcome == Outcome.NOT_FOUND
    assert "none has this organization's value" in check.message
    assert "guessed-value" not in check.message  # nothing from the DNS answer is echoed
    assert EmailDomain.get_by_id(claim.id).status == "pending"


@pytest.mark.parametrize(
    "name",
    [
        "acme.example.com",  # the apex, not the challenge name
        "_okta-connector-challenge.sub.acme.example.com",  # someone holding a subdomain
        "_okta-connector-challenge.example.com",  # the parent
        "_okta-connector-challenge.acme.example.com.evil.example.com",
    ],
)
def test_the_right_value_under_another_name_does_not_verify(app_context, dns_server, org, name):
    claim, _ = domains.claim(org, "acme.example.com")
    publish(dns_server, claim, name=name)
    check = domain_verification.check_now(claim, now=NOW)
    assert check.outcome == Outcome.NOT_FOUND
    assert "No TXT record" in check.message
    assert EmailDomain.get_by_id(claim.id).status == "pending"


def test_another_organizations_record_does_not_verify_our_claim(
    app_context, dns_server, org, other_org
):
    """The token is per claim: Acme's published record proves nothing for Globex."""
    acme, _ = domains.claim(org, "acme.example.com")
    globex, _ = domains.claim(other_org, "acme.example.com")
    assert acme.token != globex.token
    publish(dns_server, acme)
    check = domain_verification.check_now(globex, now=NOW)
    assert check.outcome == Outcome.NOT_FOUND
    assert EmailDomain.get_by_id(globex.id).status == "pending"
    assert domains.organization_for_email("jane@acme.example.com") is None


def test_a_domain_verified_by_one_organization_cannot_be_verified_by_another(
    app_context, dns_server, org, other_org
):
    """Both claims pending, both records published (a shared DNS, or a takeover attempt):
    the first proof wins; the second is refused and changes nothing."""
    acme, _ = domains.claim(org, "acme.example.com")
    globex, _ = domains.claim(other_org, "acme.example.com")
    dns_server.zone.set(
        domain_verification.record_for(acme).name,
        "TXT",
        domain_verification.record_for(acme).value,
        domain_verification.record_for(globex).value,
    )
    assert domain_verification.check_now(acme, now=NOW).outcome == Outcome.VERIFIED
    check = domain_verification.check_now(globex, now=NOW)
    assert check.outcome == Outcome.TAKEN and "Ask our support team" in check.message
    assert EmailDomain.get_by_id(globex.id).status == "pending"
    assert domains.organization_for_email("jane@acme.example.com").id == org.id


def test_the_database_holds_at_most_one_verified_claim_per_domain(org, other_org):
    """Two checks racing past the test in Python still meet a unique index."""
    verify_domain(org, "acme.example.com")
    EmailDomain.create(organization=other_org, domain="acme.example.com", token="t" * 32)
    with pytest.raises(pw.IntegrityError):
        EmailDomain.update(status="verified").where(EmailDomain.organization == other_org).execute()


def test_a_lookup_that_fails_is_not_a_missing_record(app_context, app, org, monkeypatch):
    """A DNS server that never answers: the check says so and changes no state."""
    claim = verify_domain(org, "acme.example.com")
    EmailDomain.update(method="dns").where(EmailDomain.id == claim.id).execute()
    with silent_dns_server(app, monkeypatch):
        check = domain_verification.check_now(EmailDomain.get_by_id(claim.id), now=NOW)
    assert check.outcome == Outcome.LOOKUP_FAILED
    assert "did not complete" in check.message and "nothing changed" in check.message
    stored = EmailDomain.get_by_id(claim.id)
    assert (stored.status, stored.failing_since) == ("verified", None)


@contextmanager
def silent_dns_server(app, monkeypatch):
    """A UDP socket on 127.0.0.1 that reads queries and never answers (a dead resolver)."""
    monkeypatch.setattr("wizard.dns.LIFETIME", 0.5)  # the page waits 5 s; the test less
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        app.config["DNS_RESOLVER"] = f"127.0.0.1:{silent.getsockname()[1]}"
        yield


# --- the daily re-check: grace, lapse, restore --------------------------------------------


def verified_by_dns(dns_server, organization, domain="acme.example.com"):
    claim, _ = domains.claim(organization, domain)
    publish(dns_server, claim)
    assert domain_verification.check_now(claim, now=NOW).outcome == Outcome.VERIFIED
    return EmailDomain.get_by_id(claim.id)


def test_a_removed_record_starts_the_grace_then_the_domain_lapses(app_context, dns_server, org):
    """Day 1 the record is gone: a notice and an audit event, the domain still works.
    Past the grace period it lapses: it routes nothing and the notice says so."""
    claim = verified_by_dns(dns_server, org)
    dns_server.zone.set(domain_verification.record_for(claim).name, "TXT")
    day1 = NOW + timedelta(days=1, minutes=1)
    assert domain_recheck.recheck_due(day1) == 1
    stored = EmailDomain.get_by_id(claim.id)
    assert (stored.status, stored.failing_since) == ("verified", day1)
    assert AuditEvent.get(AuditEvent.action == "domain.failing").details == {
        "domain": "acme.example.com"
    }
    [notice] = domain_verification.notices(org)
    assert "missing" in notice.text and "lapses on" in notice.text
    assert domains.organization_for_email("jane@acme.example.com").id == org.id  # grace

    assert domain_recheck.recheck_due(day1 + timedelta(days=3)) == 1  # still in grace
    assert EmailDomain.get_by_id(claim.id).status == "verified"
    assert domain_recheck.recheck_due(day1 + domain_verification.GRACE) == 1
    stored = EmailDomain.get_by_id(claim.id)
    assert stored.status == "lapsed"
    assert AuditEvent.get(AuditEvent.action == "domain.lapsed")
    assert domains.organization_for_email("jane@acme.example.com") is None
    assert not domains.is_verified(org, "acme.example.com")
    [notice] = domain_verification.notices(org)
    assert "lapsed" in notice.text and "no longer" in notice.text


def test_a_record_back_within_the_grace_clears_the_notice(app_context, dns_server, org):
    claim = verified_by_dns(dns_server, org)
    record = domain_verification.record_for(claim)
    dns_server.zone.set(record.name, "TXT")
    day1 = NOW + timedelta(days=1, minutes=1)
    domain_recheck.recheck_due(day1)
    dns_server.zone.set(record.name, "TXT", record.value)
    assert domain_recheck.recheck_due(day1 + timedelta(days=2)) == 1
    stored = EmailDomain.get_by_id(claim.id)
    assert (stored.status, stored.failing_since) == ("verified", None)
    assert domain_verification.notices(org) == []
    assert AuditEvent.get(AuditEvent.action == "domain.restored")


def test_a_lookup_timeout_in_the_recheck_changes_nothing(
    app_context, app, dns_server, org, monkeypatch
):
    claim = verified_by_dns(dns_server, org)
    with silent_dns_server(app, monkeypatch):
        assert domain_recheck.recheck_due(NOW + timedelta(days=2)) == 1
    stored = EmailDomain.get_by_id(claim.id)
    assert (stored.status, stored.failing_since, stored.last_checked_at) == ("verified", None, NOW)
    assert not AuditEvent.select().where(AuditEvent.action.startswith("domain.f")).exists()
    # A failed lookup is retried later, not at every minute's tick.
    assert domain_recheck.recheck_due(NOW + timedelta(days=2, minutes=1)) == 0


def test_the_recheck_takes_only_due_domains_and_a_bounded_number(app_context, dns_server, org):
    for index in range(4):
        verified_by_dns(dns_server, org, f"d{index}.acme.example.com")
    assert domain_recheck.recheck_due(NOW + timedelta(hours=23)) == 0  # checked today
    later = NOW + timedelta(days=1, minutes=1)
    assert domain_recheck.recheck_due(later, limit=3) == 3
    assert domain_recheck.recheck_due(later, limit=3) == 1
    assert domain_recheck.recheck_due(later, limit=3) == 0


def test_a_domain_verified_without_dns_is_not_rechecked(app_context, dns_server, org):
    """An operator's --skip-dns (no public DNS) must not lapse a week later."""
    verify_domain(org, "acme.example.com")
    assert domain_recheck.recheck_due(NOW + timedelta(days=30)) == 0
    assert domains.is_verified(org, "acme.example.com")


def test_the_scheduler_tick_rechecks_domains(app, dns_server, org):
    """Housekeeping rides the minute tick: a due domain is checked there."""
    from wizard.sync import jobs

    with app.app_context():
        claim = verified_by_dns(dns_server, org)
        dns_server.zone.set(domain_verification.record_for(claim).name, "TXT")
        jobs.tick(now=NOW + timedelta(days=1, minutes=1))
        assert EmailDomain.get_by_id(claim.id).failing_since is not None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return request.getfixturevalue("postgres_schema_url")


def test_migration_014_keeps_a_domain_written_after_010_and_drops_the_column(
    tmp_path, database_url
):
    """A build between 010 and 014 still wrote ``okta_connection.email_domain``: that
    domain becomes a pending claim before the column goes; rolling back puts it back."""
    create_app(app_config(tmp_path, database_url))
    with database.connection_context():
        router = Router(database.obj, migrate_dir=str(MIGRATIONS_DIR))
        router.run("010_email_domains")
        insert_old_connection("Acme.Example.com")
        upgrade()
        claims = [(c.organization_id, c.domain, c.status) for c in EmailDomain.select()]
        columns = {c.name for c in database.get_columns("okta_connection")}
        while "014_domains" in router.done:  # later migrations roll back first, each
            Router(database.obj, migrate_dir=str(MIGRATIONS_DIR)).rollback()  # fresh state
        (restored,) = database.execute_sql("SELECT email_domain FROM okta_connection").fetchone()
    assert claims == [(1, "acme.example.com", "pending")]
    assert "email_domain" not in columns
    assert restored == "acme.example.com"


@pytest.mark.parametrize(
    ("shape", "proves"),
    [
        (lambda value: value + "x", False),  # the right value with something after it
        (lambda value: "x" + value, False),  # ... before it
        (lambda value: value.upper(), False),  # the token is case-sensitive
        (lambda value: value[:-1], False),  # a prefix of it
        (lambda value: value.rsplit("=", 1)[1], False),  # the token without its name
        (lambda value: [value[:20], value[20:]], True),  # one record in two strings
    ],
    ids=["suffix", "prefix", "case", "truncated", "bare-token", "split-strings"],
)
def test_only_the_exact_value_proves_the_domain(app_context, dns_server, org, shape, proves):
    """A record that merely contains our value (before or after other text), a part of
    it, or differs in case proves nothing; one record split into several strings is one
    value (RFC 7208 §3.3, as DNS providers split long records) and proves it."""
    claim, _ = domains.claim(org, "acme.example.com")
    record = domain_verification.record_for(claim)
    dns_server.zone.set(record.name, "TXT", shape(record.value))
    check = domain_verification.check_now(claim, now=NOW)
    assert (check.outcome == Outcome.VERIFIED) is proves
    assert domains.is_verified(org, "jane@acme.example.com") is proves
