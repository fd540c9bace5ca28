"""Setup links for an IT person who has no account."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class SetupLink(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(
            column_name='organization_id', field='id', model=migrator.orm['organization'],
            on_delete='CASCADE')
        digest = pw.CharField(max_length=64, unique=True)
        label = pw.CharField(default='', max_length=120)
        created_by = pw.ForeignKeyField(
            column_name='created_by_id', field='id', model=migrator.orm['member'], null=True,
            on_delete='SET NULL')
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField()
        revoked_at = pw.DateTimeField(null=True)
        last_used_at = pw.DateTimeField(null=True)
        uses = pw.IntegerField(default=0)

        class Meta:
            table_name = "setup_link"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('setup_link')
