"""SCIM: resource ids and versions, Okta connections, tokens, request log, failed migrations."""

import uuid
from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext

def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    # Existing rows get their SCIM ids here: added nullable, filled, then made required.
    migrator.add_fields(
        'member',
        scim_id=pw.CharField(max_length=36, null=True),
        scim_hidden=pw.BooleanField(default=False),
        manager_id=pw.CharField(default='', max_length=254),
        version=pw.IntegerField(default=1))

    migrator.add_fields(
        'group',
        scim_id=pw.CharField(max_length=36, null=True),
        version=pw.IntegerField(default=1))
    migrator.run(_fill_scim_ids, database)
    if not fake:  # replayed (fake) to rebuild the schema state, nothing may run
        migrator()  # run the queued steps now: add_not_null changes the shared field at once
    for table in ('member', 'group'):
        migrator.add_not_null(table, 'scim_id')
        migrator.add_index(table, 'scim_id', unique=True)

    @migrator.create_model
    class FailedMigration(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(column_name='organization_id', field='id', model=migrator.orm['organization'], on_delete='CASCADE')
        source = pw.CharField(max_length=10)
        operation = pw.CharField(max_length=20)
        reason = pw.CharField(max_length=30)
        user_name = pw.CharField(default='', max_length=254)
        user_name_key = pw.CharField(default='', max_length=254)
        email = pw.CharField(default='', max_length=254)
        display_name = pw.CharField(default='', max_length=240)
        message = pw.TextField(default='')
        request = pw.TextField(null=True)
        status = pw.CharField(default='open', max_length=10)
        member = pw.ForeignKeyField(column_name='member_id', field='id', model=migrator.orm['member'], null=True, on_delete='SET NULL')
        related = pw.ForeignKeyField(column_name='related_id', field='id', model='self', null=True, on_delete='SET NULL')
        first_seen = pw.DateTimeField()
        last_seen = pw.DateTimeField()
        attempts = pw.IntegerField(default=1)
        resolved_at = pw.DateTimeField(null=True)
        note = pw.TextField(default='')

        class Meta:
            table_name = "failed_migration"
            indexes = [(('organization', 'user_name_key', 'operation', 'reason'), True), (('organization', 'status', 'last_seen'), False)]

    @migrator.create_model
    class OktaConnection(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(column_name='organization_id', field='id', model=migrator.orm['organization'], on_delete='CASCADE', unique=True)
        scim_key = pw.CharField(max_length=32, unique=True)
        status = pw.CharField(default='setup', max_length=12)
        last_scim_request_at = pw.DateTimeField(null=True)
        last_auth_failure_at = pw.DateTimeField(null=True)
        last_auth_failure_ip = pw.CharField(default='', max_length=64)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "okta_connection"

    @migrator.create_model
    class ScimToken(pw.Model):
        id = pw.AutoField()
        connection = pw.ForeignKeyField(column_name='connection_id', field='id', model=migrator.orm['okta_connection'], on_delete='CASCADE')
        prefix = pw.CharField(max_length=16)
        digest = pw.CharField(max_length=64, unique=True)
        created_at = pw.DateTimeField()
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['member'], null=True, on_delete='SET NULL')
        last_used_at = pw.DateTimeField(null=True)
        last_used_ip = pw.CharField(default='', max_length=64)
        expires_at = pw.DateTimeField(null=True)
        revoked_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "scim_token"

    @migrator.create_model
    class ScimEvent(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(column_name='organization_id', field='id', model=migrator.orm['organization'], null=True, on_delete='CASCADE')
        connection = pw.ForeignKeyField(column_name='connection_id', field='id', model=migrator.orm['okta_connection'], null=True, on_delete='CASCADE')
        token = pw.ForeignKeyField(column_name='token_id', field='id', model=migrator.orm['scim_token'], null=True, on_delete='SET NULL')
        method = pw.CharField(max_length=8)
        path = pw.CharField(max_length=500)
        query = pw.CharField(default='', max_length=1000)
        status = pw.IntegerField()
        latency_ms = pw.FloatField(default=0.0)
        ip = pw.CharField(default='', max_length=64)
        authenticated = pw.BooleanField(default=False)
        error = pw.TextField(default='')
        body = pw.TextField(default='')
        resource_type = pw.CharField(default='', max_length=10)
        resource_id = pw.CharField(default='', max_length=36)
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "scim_event"
            indexes = [(('organization', 'created_at'), False), (('resource_id',), False)]

def _fill_scim_ids(database):
    for table in ('member', 'group'):
        rows = database.execute_sql(f'SELECT id FROM "{table}" WHERE scim_id IS NULL').fetchall()
        for (row_id,) in rows:
            database.execute_sql(
                f'UPDATE "{table}" SET scim_id = %s WHERE id = %s'.replace('%s', database.param),
                (str(uuid.uuid4()), row_id),
            )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.drop_index('group', 'scim_id')
    migrator.remove_fields('group', 'scim_id', 'version')

    migrator.drop_index('member', 'scim_id')
    migrator.remove_fields('member', 'scim_id', 'scim_hidden', 'manager_id', 'version')

    migrator.remove_model('scim_event')

    migrator.remove_model('scim_token')

    migrator.remove_model('okta_connection')

    migrator.remove_model('failed_migration')
