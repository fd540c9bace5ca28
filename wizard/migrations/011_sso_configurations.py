"""Staged SSO configurations and (issuer, subject) identities.

A connection's issuer, client ID and secret move into ``sso_configuration`` rows. A
connection configured today signs people in today, so its settings become its *live*
configuration (staging must not lock anyone out); settings left behind by a disconnect
become a *retired* one, kept for the record. Members whose ``okta_id`` an SSO sign-in
wrote (Okta's user id, the ``sub`` of its org authorization server) get an identity
(live issuer, okta_id), so linked people stay linked. Then the old columns go.
"""

from datetime import datetime, UTC

import peewee as pw
from peewee_migrate import Migrator

MOVED = ('issuer', 'client_id', 'client_secret', 'client_secret_hint', 'sso_configured_at',
         'sso_tested_at')


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class SsoConfiguration(pw.Model):
        id = pw.AutoField()
        connection = pw.ForeignKeyField(
            column_name='connection_id', field='id', model=migrator.orm['okta_connection'],
            on_delete='CASCADE')
        state = pw.CharField(default='pending', max_length=10)
        issuer = pw.CharField(max_length=500)
        client_id = pw.CharField(max_length=255)
        client_secret = pw.TextField(default='')
        client_secret_hint = pw.CharField(default='', max_length=8)
        created_by = pw.ForeignKeyField(
            column_name='created_by_id', field='id', model=migrator.orm['member'], null=True,
            on_delete='SET NULL')
        created_by_label = pw.CharField(default='', max_length=120)
        created_at = pw.DateTimeField()
        tested_at = pw.DateTimeField(null=True)
        tested_by_label = pw.CharField(default='', max_length=120)
        activated_at = pw.DateTimeField(null=True)
        activated_by = pw.ForeignKeyField(
            column_name='activated_by_id', field='id', model=migrator.orm['member'], null=True,
            on_delete='SET NULL')
        activated_by_label = pw.CharField(default='', max_length=120)
        retired_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "sso_configuration"
            indexes = [(('connection', 'state'), False)]

    @migrator.create_model
    class MemberIdentity(pw.Model):
        id = pw.AutoField()
        member = pw.ForeignKeyField(
            column_name='member_id', field='id', model=migrator.orm['member'],
            on_delete='CASCADE')
        organization = pw.ForeignKeyField(
            column_name='organization_id', field='id', model=migrator.orm['organization'],
            on_delete='CASCADE')
        issuer = pw.CharField(max_length=500)
        subject = pw.CharField(max_length=255)
        linked_by = pw.CharField(max_length=20)
        created_at = pw.DateTimeField()
        last_used_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "member_identity"
            indexes = [(('organization', 'issuer', 'subject'), True), (('member', 'issuer'), True)]

    migrator.add_fields('okta_connection', jit_role=pw.CharField(default='', max_length=20))
    migrator.add_fields('member', okta_link_allowed_at=pw.DateTimeField(null=True))

    def sql(text: str) -> str:
        return text.replace("%s", database.param)

    def move_settings():
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = database.execute_sql(
            "SELECT id, organization_id, issuer, client_id, client_secret, client_secret_hint, "
            "sso_configured_at, sso_tested_at FROM okta_connection WHERE issuer != ''"
        ).fetchall()
        for connection_id, organization_id, issuer, client_id, secret, hint, configured, tested in rows:
            state = 'live' if configured else 'retired'
            database.execute_sql(
                sql("INSERT INTO sso_configuration (connection_id, state, issuer, client_id, "
                    "client_secret, client_secret_hint, created_by_label, created_at, tested_at, "
                    "tested_by_label, activated_at, activated_by_label, retired_at) VALUES "
                    "(%s, %s, %s, %s, %s, %s, 'migration 011', %s, %s, '', %s, %s, %s)"),
                (connection_id, state, issuer, client_id, secret or '', hint or '',
                 configured or now, tested, configured, 'migration 011' if configured else '',
                 None if configured else now),
            )
            if configured:
                link_members(organization_id, issuer, now)

    def link_members(organization_id, issuer, now):
        members = database.execute_sql(
            sql("SELECT id, okta_id FROM member WHERE organization_id = %s "
                "AND okta_id IS NOT NULL AND okta_id != '' ORDER BY id"),
            (organization_id,),
        ).fetchall()
        shared = {s for s in {s for _, s in members} if [t for _, t in members].count(s) > 1}
        for member_id, subject in members:
            if subject in shared:  # two members with one okta_id: which one is it? neither
                continue
            database.execute_sql(
                sql("INSERT INTO member_identity (member_id, organization_id, issuer, subject, "
                    "linked_by, created_at) VALUES (%s, %s, %s, %s, 'migration', %s)"),
                (member_id, organization_id, issuer, subject, now),
            )

    migrator.run(move_settings)
    migrator.remove_fields('okta_connection', *MOVED)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'okta_connection',
        issuer=pw.CharField(default='', max_length=500),
        client_id=pw.CharField(default='', max_length=255),
        client_secret=pw.TextField(default=''),
        client_secret_hint=pw.CharField(default='', max_length=8),
        sso_configured_at=pw.DateTimeField(null=True),
        sso_tested_at=pw.DateTimeField(null=True),
    )

    def restore_live():
        rows = database.execute_sql(
            "SELECT connection_id, issuer, client_id, client_secret, client_secret_hint, "
            "activated_at, tested_at FROM sso_configuration WHERE state = 'live'"
        ).fetchall()
        for connection_id, *values in rows:
            database.execute_sql(
                "UPDATE okta_connection SET issuer = %s, client_id = %s, client_secret = %s, "
                "client_secret_hint = %s, sso_configured_at = %s, sso_tested_at = %s "
                "WHERE id = %s".replace("%s", database.param),
                (*values, connection_id),
            )

    migrator.run(restore_live)
    migrator.remove_fields('member', 'okta_link_allowed_at')
    migrator.remove_fields('okta_connection', 'jit_role')
    migrator.remove_model('member_identity')
    migrator.remove_model('sso_configuration')
