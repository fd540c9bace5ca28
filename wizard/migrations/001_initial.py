"""Organizations, sites, members, groups, memberships, role grants, audit events."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class Organization(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=120)
        slug = pw.CharField(max_length=40, unique=True)
        timezone = pw.CharField(default='UTC', max_length=64)
        seat_limit = pw.IntegerField(null=True)
        enterprise_enabled = pw.BooleanField(default=False)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "organization"

    @migrator.create_model
    class Member(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(column_name='organization_id', field='id', model=migrator.orm['organization'], null=True, on_delete='CASCADE')
        is_staff = pw.BooleanField(default=False)
        email = pw.CharField(max_length=254)
        email_key = pw.CharField(max_length=254)
        user_name = pw.CharField(max_length=254, null=True)
        user_name_key = pw.CharField(max_length=254, null=True)
        given_name = pw.CharField(default='', max_length=120)
        family_name = pw.CharField(default='', max_length=120)
        display_name = pw.CharField(default='', max_length=240)
        title = pw.CharField(default='', max_length=200)
        department = pw.CharField(default='', max_length=200)
        phone_numbers = pw.TextField()
        photo_url = pw.CharField(default='', max_length=2000)
        employee_number = pw.CharField(default='', max_length=120)
        external_id = pw.CharField(max_length=254, null=True)
        okta_id = pw.CharField(max_length=64, null=True)
        source = pw.CharField(default='local', max_length=10)
        managed_by = pw.CharField(default='local', max_length=10)
        keep_local = pw.BooleanField(default=False)
        active = pw.BooleanField(default=True)
        password_hash = pw.CharField(max_length=255, null=True)
        role = pw.CharField(default='', max_length=20)
        session_version = pw.IntegerField(default=1)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        deactivated_at = pw.DateTimeField(null=True)
        last_login_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "member"
            indexes = [(('organization', 'email_key'), True), (('organization', 'user_name_key'), True), (('organization', 'okta_id'), False), (('organization', 'created_at'), False)]

    @migrator.create_model
    class AuditEvent(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(column_name='organization_id', field='id', model=migrator.orm['organization'], null=True, on_delete='CASCADE')
        actor = pw.ForeignKeyField(column_name='actor_id', field='id', model=migrator.orm['member'], null=True, on_delete='SET NULL')
        actor_label = pw.CharField(max_length=120)
        action = pw.CharField(max_length=80)
        target_type = pw.CharField(default='', max_length=40)
        target_id = pw.CharField(default='', max_length=64)
        details = pw.TextField()
        ip = pw.CharField(default='', max_length=64)
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "audit_event"
            indexes = [(('organization', 'created_at'), False)]

    @migrator.create_model
    class Group(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(column_name='organization_id', field='id', model=migrator.orm['organization'], on_delete='CASCADE')
        display_name = pw.CharField(max_length=255)
        name_key = pw.CharField(max_length=255)
        external_id = pw.CharField(max_length=254, null=True)
        okta_id = pw.CharField(max_length=64, null=True)
        managed_by = pw.CharField(default='local', max_length=10)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "group"
            indexes = [(('organization', 'name_key'), True), (('organization', 'okta_id'), False)]

    @migrator.create_model
    class Membership(pw.Model):
        id = pw.AutoField()
        group = pw.ForeignKeyField(column_name='group_id', field='id', model=migrator.orm['group'], on_delete='CASCADE')
        member = pw.ForeignKeyField(column_name='member_id', field='id', model=migrator.orm['member'], on_delete='CASCADE')
        managed_by = pw.CharField(default='local', max_length=10)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "membership"
            indexes = [(('group', 'member'), True)]

    @migrator.create_model
    class Site(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(column_name='organization_id', field='id', model=migrator.orm['organization'], on_delete='CASCADE')
        name = pw.CharField(max_length=120)
        name_key = pw.CharField(max_length=120)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "site"
            indexes = [(('organization', 'name_key'), True)]

    @migrator.create_model
    class RoleAssignment(pw.Model):
        id = pw.AutoField()
        member = pw.ForeignKeyField(column_name='member_id', field='id', model=migrator.orm['member'], on_delete='CASCADE')
        site = pw.ForeignKeyField(column_name='site_id', field='id', model=migrator.orm['site'], null=True, on_delete='CASCADE')
        all_sites = pw.BooleanField(default=False)
        role = pw.CharField(max_length=20)
        source = pw.CharField(default='manual', max_length=20)
        managed_by = pw.CharField(default='local', max_length=10)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "role_assignment"
            indexes = [(('member', 'site'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('role_assignment')

    migrator.remove_model('site')

    migrator.remove_model('membership')

    migrator.remove_model('group')

    migrator.remove_model('audit_event')

    migrator.remove_model('member')

    migrator.remove_model('organization')
