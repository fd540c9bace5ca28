"""``okta_connection`` keeps only what every part of the link shares (organization, SCIM
key, status, wizard state); each concern moves to a 1:1 table of its own (issue 16):

- ``scim_health``: what Okta's SCIM requests did (last request, failed authentications,
  throttled requests, a password push seen);
- ``sign_in_policy``: SSO enforcement, just-in-time members and the break-glass admin;
- ``okta_api_connection``: the Okta management API credentials and the last check;
- ``sync_settings``: the pull sync's app, daily time, pause and deactivation limit;
- ``sync_lease``: which scheduler runs the organization's sync now.

Every connection gets one row in each, holding its values exactly (encrypted secrets
are copied as stored, so they decrypt as before); then the old columns go. The
rollback copies the values back and drops the tables.
"""

import peewee as pw
from peewee_migrate import Migrator

# table -> (new column, old okta_connection column), in each table's order.
MOVED = {
    'scim_health': (
        ('last_request_at', 'last_scim_request_at'),
        ('last_auth_failure_at', 'last_auth_failure_at'),
        ('last_auth_failure_ip', 'last_auth_failure_ip'),
        ('throttled_requests', 'throttled_requests'),
        ('last_throttled_at', 'last_throttled_at'),
        ('last_throttled_ip', 'last_throttled_ip'),
        ('password_push_seen_at', 'password_push_seen_at'),
    ),
    'sign_in_policy': (
        ('sso_enforced', 'sso_enforced'),
        ('jit_enabled', 'jit_enabled'),
        ('jit_role', 'jit_role'),
        ('break_glass_id', 'break_glass_id'),
    ),
    'okta_api_connection': (
        ('org_url', 'api_org_url'),
        ('auth', 'api_auth'),
        ('token', 'api_token'),
        ('token_hint', 'api_token_hint'),
        ('checked_at', 'api_checked_at'),
        ('last_check', 'api_check'),
        ('last_used_at', 'api_last_used_at'),
        ('oauth_client_id', 'oauth_client_id'),
        ('oauth_private_key', 'oauth_private_key'),
        ('oauth_public_jwk', 'oauth_public_jwk'),
        ('oauth_key_id', 'oauth_key_id'),
        ('oauth_key_created_at', 'oauth_key_created_at'),
    ),
    'sync_settings': (
        ('app_id', 'sync_app_id'),
        ('daily_at', 'sync_time'),
        ('paused_at', 'sync_paused_at'),
        ('deactivation_limit', 'deactivation_limit'),
    ),
    'sync_lease': (
        ('owner', 'sync_lease_owner'),
        ('expires_at', 'sync_lease_expires_at'),
    ),
}
# The schema state names a foreign key by its field, not its column.
FIELD_OF_COLUMN = {'break_glass_id': 'break_glass'}
OLD_FIELDS = [FIELD_OF_COLUMN.get(old, old) for columns in MOVED.values() for _, old in columns]


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    connection = migrator.orm['okta_connection']
    member = migrator.orm['member']

    def one_per_connection():
        return pw.ForeignKeyField(column_name='connection_id', field='id', model=connection,
                                  unique=True, on_delete='CASCADE')

    @migrator.create_model
    class ScimHealth(pw.Model):
        id = pw.AutoField()
        connection = one_per_connection()
        last_request_at = pw.DateTimeField(null=True)
        last_auth_failure_at = pw.DateTimeField(null=True)
        last_auth_failure_ip = pw.CharField(default='', max_length=64)
        throttled_requests = pw.IntegerField(default=0)
        last_throttled_at = pw.DateTimeField(null=True)
        last_throttled_ip = pw.CharField(default='', max_length=64)
        password_push_seen_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "scim_health"

    @migrator.create_model
    class SignInPolicy(pw.Model):
        id = pw.AutoField()
        connection = one_per_connection()
        sso_enforced = pw.BooleanField(default=False)
        jit_enabled = pw.BooleanField(default=False)
        jit_role = pw.CharField(default='', max_length=20)
        break_glass = pw.ForeignKeyField(column_name='break_glass_id', field='id', model=member,
                                         null=True, on_delete='SET NULL')

        class Meta:
            table_name = "sign_in_policy"

    @migrator.create_model
    class OktaApiConnection(pw.Model):
        id = pw.AutoField()
        connection = one_per_connection()
        org_url = pw.CharField(default='', max_length=500)
        auth = pw.CharField(default='token', max_length=12)
        token = pw.TextField(default='')
        token_hint = pw.CharField(default='', max_length=8)
        checked_at = pw.DateTimeField(null=True)
        last_check = pw.TextField(default='{}')
        last_used_at = pw.DateTimeField(null=True)
        oauth_client_id = pw.CharField(default='', max_length=100)
        oauth_private_key = pw.TextField(default='')
        oauth_public_jwk = pw.TextField(default='')
        oauth_key_id = pw.CharField(default='', max_length=64)
        oauth_key_created_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "okta_api_connection"

    @migrator.create_model
    class SyncSettings(pw.Model):
        id = pw.AutoField()
        connection = one_per_connection()
        app_id = pw.CharField(default='', max_length=64)
        daily_at = pw.CharField(default='03:00', max_length=5)
        paused_at = pw.DateTimeField(null=True)
        deactivation_limit = pw.IntegerField(default=20)

        class Meta:
            table_name = "sync_settings"

    @migrator.create_model
    class SyncLease(pw.Model):
        id = pw.AutoField()
        connection = one_per_connection()
        owner = pw.CharField(default='', max_length=80)
        expires_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "sync_lease"

    def copy_values():
        """One row per connection in each table, its values as stored."""
        for table, columns in MOVED.items():
            new = ", ".join(f'"{n}"' for n, _ in columns)
            old = ", ".join(f'"{o}"' for _, o in columns)
            database.execute_sql(
                f'INSERT INTO "{table}" (connection_id, {new}) '
                f'SELECT id, {old} FROM okta_connection ORDER BY id')

    migrator.run(copy_values)
    # SQLite drops a column only once no index names it (PostgreSQL drops both at once).
    migrator.sql("DROP INDEX IF EXISTS okta_connection_break_glass_id")
    migrator.remove_fields('okta_connection', *OLD_FIELDS)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    stored = {}

    def read_values():
        """Read first: on SQLite, adding the columns rebuilds ``okta_connection``, and
        with foreign keys on, dropping the old copy would cascade to the parts' rows."""
        for table, columns in MOVED.items():
            names = ", ".join(f'"{n}"' for n, _ in columns)
            stored[table] = database.execute_sql(
                f'SELECT connection_id, {names} FROM "{table}"').fetchall()

    migrator.run(read_values)
    migrator.add_fields(
        'okta_connection',
        last_scim_request_at=pw.DateTimeField(null=True),
        last_auth_failure_at=pw.DateTimeField(null=True),
        last_auth_failure_ip=pw.CharField(default='', max_length=64),
        throttled_requests=pw.IntegerField(default=0),
        last_throttled_at=pw.DateTimeField(null=True),
        last_throttled_ip=pw.CharField(default='', max_length=64),
        password_push_seen_at=pw.DateTimeField(null=True),
        sso_enforced=pw.BooleanField(default=False),
        jit_enabled=pw.BooleanField(default=False),
        jit_role=pw.CharField(default='', max_length=20),
        break_glass=pw.ForeignKeyField(
            column_name='break_glass_id', field='id', model=migrator.orm['member'], null=True,
            on_delete='SET NULL'),
        api_org_url=pw.CharField(default='', max_length=500),
        api_auth=pw.CharField(default='token', max_length=12),
        api_token=pw.TextField(default=''),
        api_token_hint=pw.CharField(default='', max_length=8),
        api_checked_at=pw.DateTimeField(null=True),
        api_check=pw.TextField(default='{}'),
        api_last_used_at=pw.DateTimeField(null=True),
        oauth_client_id=pw.CharField(default='', max_length=100),
        oauth_private_key=pw.TextField(default=''),
        oauth_public_jwk=pw.TextField(default=''),
        oauth_key_id=pw.CharField(default='', max_length=64),
        oauth_key_created_at=pw.DateTimeField(null=True),
        sync_app_id=pw.CharField(default='', max_length=64),
        sync_time=pw.CharField(default='03:00', max_length=5),
        sync_paused_at=pw.DateTimeField(null=True),
        deactivation_limit=pw.IntegerField(default=20),
        sync_lease_owner=pw.CharField(default='', max_length=80),
        sync_lease_expires_at=pw.DateTimeField(null=True),
    )

    def copy_values_back():
        for table, columns in MOVED.items():
            assignments = ", ".join(f'"{o}" = {database.param}' for _, o in columns)
            for connection_id, *values in stored[table]:
                database.execute_sql(
                    f'UPDATE okta_connection SET {assignments} WHERE id = {database.param}',
                    (*values, connection_id))

    migrator.run(copy_values_back)
    for table in reversed(MOVED):
        migrator.remove_model(table)
