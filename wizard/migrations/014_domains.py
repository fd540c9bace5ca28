"""Verified email domains take over from ``okta_connection.email_domain``.

- Any ``email_domain`` still on a connection without a claim (written by a build between
  migrations 010 and 014) becomes a *pending* claim first: nothing is lost, nothing
  unproven routes. Then the column goes; ``email_domain`` rows are its only readers.
- ``last_attempt_at``: the daily re-check notes every lookup, answered or not, so a DNS
  server that does not answer is retried an hour later, not at every minute's tick.
- One organization per verified domain, kept by the database: a unique index on
  ``domain`` over the verified rows only (pending and lapsed claims may repeat).
"""

import secrets
from datetime import datetime, UTC

import peewee as pw
from peewee_migrate import Migrator

ONE_VERIFIED = "email_domain_one_verified"


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('email_domain', last_attempt_at=pw.DateTimeField(null=True))

    def copy_unclaimed_domains():
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = database.execute_sql(
            "SELECT c.organization_id, lower(trim(c.email_domain)) FROM okta_connection c "
            "WHERE c.email_domain IS NOT NULL AND trim(c.email_domain) != '' AND NOT EXISTS "
            "(SELECT 1 FROM email_domain d WHERE d.organization_id = c.organization_id "
            "AND d.domain = lower(trim(c.email_domain)))"
        ).fetchall()
        for organization_id, domain in rows:
            database.execute_sql(
                "INSERT INTO email_domain (organization_id, domain, status, token, method, "
                "created_at) VALUES (%s, %s, 'pending', %s, '', %s)".replace(
                    "%s", database.param
                ),
                (organization_id, domain, secrets.token_urlsafe(24), now),
            )

    migrator.run(copy_unclaimed_domains)
    migrator.remove_fields('okta_connection', 'email_domain')
    migrator.sql(
        f"CREATE UNIQUE INDEX IF NOT EXISTS {ONE_VERIFIED} ON email_domain (domain) "
        "WHERE status = 'verified'"
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql(f"DROP INDEX IF EXISTS {ONE_VERIFIED}")
    migrator.add_fields(
        'okta_connection', email_domain=pw.CharField(max_length=255, null=True, unique=True)
    )

    def restore_column():
        """Each connection gets back its organization's verified domain (else its first
        claim) that no other connection already took: the column was one per domain."""
        rows = database.execute_sql(
            "SELECT organization_id, domain FROM email_domain "
            "ORDER BY status != 'verified', created_at, id"
        ).fetchall()
        done, taken = set(), set()
        for organization_id, domain in rows:
            if organization_id in done or domain in taken:
                continue
            database.execute_sql(
                "UPDATE okta_connection SET email_domain = %s WHERE organization_id = %s".replace(
                    "%s", database.param
                ),
                (domain, organization_id),
            )
            done.add(organization_id)
            taken.add(domain)

    migrator.run(restore_column)
    migrator.remove_fields('email_domain', 'last_attempt_at')
