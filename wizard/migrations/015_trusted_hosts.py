"""Trusted hosts: the host names outside Okta's domains that an EnterpriseAdmin allowed for
an organization's outbound requests (an Okta custom URL domain, another OpenID provider).

Organizations whose stored issuer or Okta API org URL is already on such a host keep
working: those hosts are copied in as trusted (added by nobody: the migration, audited as
``trusted_host.added`` by "migration"), since an admin typed them before the allowed-host
rule existed. The address rules (public addresses only) apply to them like to any host.
"""

import json

from datetime import datetime, UTC
from urllib.parse import urlsplit

import peewee as pw
from peewee_migrate import Migrator

OKTA_DOMAINS = ("okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "okta.mil")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class TrustedHost(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(
            column_name='organization_id', field='id', model=migrator.orm['organization'],
            on_delete='CASCADE')
        host = pw.CharField(max_length=253)
        added_by = pw.ForeignKeyField(
            column_name='added_by_id', field='id', model=migrator.orm['member'], null=True,
            on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "trusted_host"
            indexes = [(('organization', 'host'), True)]

    migrator.run(keep_configured_hosts, database)


def keep_configured_hosts(database):
    """Each custom host of a stored issuer or org URL becomes trusted, audited."""
    now = datetime.now(UTC).replace(tzinfo=None)
    # Issuers live in sso_configuration since 011 (live and pending ones sign in or are
    # about to); the Okta API's org URL is still on the connection.
    rows = database.execute_sql(
        "SELECT c.organization_id, s.issuer FROM sso_configuration s "
        "JOIN okta_connection c ON c.id = s.connection_id WHERE s.state IN ('live', 'pending')"
    ).fetchall()
    rows += database.execute_sql(
        "SELECT organization_id, api_org_url FROM okta_connection"
    ).fetchall()
    wanted = set()
    for organization_id, *urls in rows:
        for url in urls:
            host = (urlsplit(url or "").hostname or "").rstrip(".")
            if _custom_name(host):
                wanted.add((organization_id, host))
    for organization_id, host in sorted(wanted):
        database.execute_sql(
            "INSERT INTO trusted_host (organization_id, host, created_at) "
            "VALUES (%s, %s, %s)".replace("%s", database.param),
            (organization_id, host, now),
        )
        details = json.dumps({"host": host, "why": "configured before 015"}, sort_keys=True)
        database.execute_sql(
            "INSERT INTO audit_event (organization_id, actor_label, action, target_type, "
            "target_id, details, ip, created_at) VALUES (%s, 'migration', "
            "'trusted_host.added', 'trustedhost', '', %s, '', %s)".replace(
                "%s", database.param
            ),
            (organization_id, details, now),
        )


def _custom_name(host: str) -> bool:
    """A host name (not an IP, not loopback) outside Okta's own domains."""
    if not host or host == "localhost" or host.endswith(".localhost"):
        return False
    if all(part.isdigit() for part in host.split(".")) or ":" in host:
        return False
    return not any(host.endswith(f".{domain}") for domain in OKTA_DOMAINS)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('trusted_host')
