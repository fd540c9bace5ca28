"""Single sign-on settings and wizard progress on the Okta connection."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext

def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'okta_connection',
        issuer=pw.CharField(default='', max_length=500),
        client_id=pw.CharField(default='', max_length=255),
        client_secret=pw.TextField(default=''),
        client_secret_hint=pw.CharField(default='', max_length=8),
        email_domain=pw.CharField(max_length=255, null=True, unique=True),
        sso_configured_at=pw.DateTimeField(null=True),
        sso_tested_at=pw.DateTimeField(null=True),
        sso_enforced=pw.BooleanField(default=False),
        wizard_state=pw.TextField(default='{}'),
        activated_at=pw.DateTimeField(null=True),
        password_push_seen_at=pw.DateTimeField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields(
        'okta_connection', 'issuer', 'client_id', 'client_secret', 'client_secret_hint',
        'email_domain', 'sso_configured_at', 'sso_tested_at', 'sso_enforced', 'wizard_state',
        'activated_at', 'password_push_seen_at')
