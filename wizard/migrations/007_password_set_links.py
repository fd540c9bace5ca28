"""One-time password-set links for members converted to local management."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class PasswordSetLink(pw.Model):
        id = pw.AutoField()
        member = pw.ForeignKeyField(
            column_name='member_id', field='id', model=migrator.orm['member'], on_delete='CASCADE')
        digest = pw.CharField(max_length=64, unique=True)
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField()
        used_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "password_set_link"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('password_set_link')
