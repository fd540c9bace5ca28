"""Email domains as claims to verify (DNS TXT), one row per organization and domain.

Each organization's existing ``okta_connection.email_domain`` becomes a *pending* claim:
it was never proven, so it routes no sign-in until its owner verifies it. The column
itself stays until every reader has moved to ``email_domain`` rows.
"""

import secrets
from datetime import datetime, UTC

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class EmailDomain(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(
            column_name='organization_id', field='id', model=migrator.orm['organization'],
            on_delete='CASCADE')
        domain = pw.CharField(max_length=253)
        status = pw.CharField(default='pending', max_length=10)
        token = pw.CharField(max_length=64)
        method = pw.CharField(default='', max_length=10)
        created_at = pw.DateTimeField()
        verified_at = pw.DateTimeField(null=True)
        last_checked_at = pw.DateTimeField(null=True)
        failing_since = pw.DateTimeField(null=True)

        class Meta:
            table_name = "email_domain"
            indexes = [(('organization', 'domain'), True), (('domain', 'status'), False)]

    def copy_claims():
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = database.execute_sql(
            "SELECT organization_id, email_domain FROM okta_connection "
            "WHERE email_domain IS NOT NULL AND email_domain != ''"
        ).fetchall()
        for organization_id, domain in rows:
            database.execute_sql(
                "INSERT INTO email_domain (organization_id, domain, status, token, method, "
                "created_at) VALUES (%s, %s, 'pending', %s, '', %s)".replace(
                    "%s", database.param
                ),
                (organization_id, domain.strip().lower(), secrets.token_urlsafe(24), now),
            )

    migrator.run(copy_claims)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('email_domain')
