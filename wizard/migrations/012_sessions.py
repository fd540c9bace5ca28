"""Server-side sessions: a record per sign-in (its cookie token's digest, lifetimes,
the Okta sign-in state), and authlib's sign-in state out of the cookie. New tables
only: sessions signed in before the upgrade have no record and must sign in again."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class SessionRecord(pw.Model):
        id = pw.AutoField()
        member = pw.ForeignKeyField(
            column_name='member_id', field='id', model=migrator.orm['member'],
            on_delete='CASCADE')
        digest = pw.CharField(max_length=64, unique=True)
        method = pw.CharField(max_length=10)
        created_at = pw.DateTimeField()
        last_seen_at = pw.DateTimeField()
        ended_at = pw.DateTimeField(null=True)
        end_reason = pw.CharField(default='', max_length=20)
        okta_org = pw.CharField(default='', max_length=40)
        id_token = pw.TextField(default='')

        class Meta:
            table_name = "session_record"

    @migrator.create_model
    class SignInState(pw.Model):
        id = pw.AutoField()
        digest = pw.CharField(max_length=64, unique=True)
        value = pw.TextField()
        expires_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "sign_in_state"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('sign_in_state')
    migrator.remove_model('session_record')
