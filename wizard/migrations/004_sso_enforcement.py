"""Just-in-time creation and the break-glass admin on the Okta connection."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'okta_connection',
        jit_enabled=pw.BooleanField(default=False),
        break_glass=pw.ForeignKeyField(
            column_name='break_glass_id', field='id', model=migrator.orm['member'], null=True,
            on_delete='SET NULL'),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('okta_connection', 'jit_enabled', 'break_glass')
