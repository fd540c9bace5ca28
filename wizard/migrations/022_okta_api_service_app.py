"""The Okta API through an API Services app (OAuth 2.0 for Okta, issue 17): how the
connection signs in (``api_auth``), the app's client ID, and our key pair (the private
half encrypted with ENCRYPTION_KEYS, the public JWK and its kid shown to paste into Okta).

Every existing connection keeps signing in as it does: ``api_auth`` is ``token`` for all
of them, their API tokens untouched; no row is added or removed.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'okta_connection',
        api_auth=pw.CharField(default='token', max_length=12),
        oauth_client_id=pw.CharField(default='', max_length=100),
        oauth_private_key=pw.TextField(default=''),
        oauth_public_jwk=pw.TextField(default=''),
        oauth_key_id=pw.CharField(default='', max_length=64),
        oauth_key_created_at=pw.DateTimeField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields(
        'okta_connection', 'api_auth', 'oauth_client_id', 'oauth_private_key',
        'oauth_public_jwk', 'oauth_key_id', 'oauth_key_created_at')
