"""How Okta presents the SCIM token (Bearer, a bare header, Basic user name + password),
as the admin chose it on Integrations > Okta > Provisioning: ``okta_connection.scim_auth``.
Every connection keeps its rows and starts at ``bearer``, what the wizard always showed.
The rollback drops the column (the server accepts every way regardless)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'okta_connection', scim_auth=pw.CharField(default='bearer', max_length=10))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('okta_connection', 'scim_auth')
