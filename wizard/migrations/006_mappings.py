"""Role mappings, user detail mappings, and which source set each profile field."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class RoleMapping(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(
            column_name='organization_id', field='id', model=migrator.orm['organization'],
            on_delete='CASCADE')
        group = pw.ForeignKeyField(
            column_name='group_id', field='id', model=migrator.orm['group'], unique=True,
            on_delete='CASCADE')
        org_role = pw.CharField(default='User', max_length=20)
        site_roles = pw.TextField(default='{}')
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "role_mapping"

    @migrator.create_model
    class DetailMapping(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(
            column_name='organization_id', field='id', model=migrator.orm['organization'],
            on_delete='CASCADE')
        field = pw.CharField(max_length=20)
        okta_property = pw.CharField(max_length=100)
        image_format = pw.CharField(default='', max_length=10)

        class Meta:
            table_name = "detail_mapping"
            indexes = [(('organization', 'field'), True)]

    migrator.add_fields(
        'role_assignment',
        mapping=pw.ForeignKeyField(
            column_name='mapping_id', field='id', model=migrator.orm['role_mapping'], null=True,
            on_delete='CASCADE'),
    )
    migrator.add_fields('member', field_sources=pw.TextField(default='{}'))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('member', 'field_sources')
    migrator.remove_fields('role_assignment', 'mapping')
    migrator.remove_model('detail_mapping')
    migrator.remove_model('role_mapping')
