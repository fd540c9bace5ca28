"""The Okta API connection, the sync schedule and sync runs."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'okta_connection',
        api_org_url=pw.CharField(default='', max_length=500),
        api_token=pw.TextField(default=''),
        api_token_hint=pw.CharField(default='', max_length=8),
        api_checked_at=pw.DateTimeField(null=True),
        api_check=pw.TextField(default='{}'),
        api_last_used_at=pw.DateTimeField(null=True),
        sync_app_id=pw.CharField(default='', max_length=64),
        sync_time=pw.CharField(default='03:00', max_length=5),
        sync_paused_at=pw.DateTimeField(null=True),
        deactivation_limit=pw.IntegerField(default=20),
        sync_lease_owner=pw.CharField(default='', max_length=80),
        sync_lease_expires_at=pw.DateTimeField(null=True),
    )

    @migrator.create_model
    class SyncRun(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(
            column_name='organization_id', field='id', model=migrator.orm['organization'],
            on_delete='CASCADE')
        trigger = pw.CharField(max_length=10)
        dry_run = pw.BooleanField(default=False)
        status = pw.CharField(default='queued', max_length=10)
        queued_at = pw.DateTimeField()
        started_at = pw.DateTimeField(null=True)
        finished_at = pw.DateTimeField(null=True)
        lease_owner = pw.CharField(default='', max_length=80)
        lease_expires_at = pw.DateTimeField(null=True)
        progress_done = pw.IntegerField(default=0)
        progress_total = pw.IntegerField(default=0)
        counts = pw.TextField()
        api_calls = pw.IntegerField(default=0)
        drift = pw.TextField()
        held = pw.TextField()
        preview = pw.TextField()
        error = pw.TextField(default='')

        class Meta:
            table_name = "sync_run"
            indexes = [(('organization', 'status'), False), (('status', 'queued_at'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('sync_run')
    migrator.remove_fields(
        'okta_connection', 'api_org_url', 'api_token', 'api_token_hint', 'api_checked_at',
        'api_check', 'api_last_used_at', 'sync_app_id', 'sync_time', 'sync_paused_at',
        'deactivation_limit', 'sync_lease_owner', 'sync_lease_expires_at')
