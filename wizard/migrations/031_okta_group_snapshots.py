"""The members Okta listed for each of its groups at the sync's last read, with the
group's ``lastMembershipUpdated`` then (``okta_group_snapshot``): a re-sync reads again
only the groups whose membership Okta says changed, instead of one call per group
(wizard/sync/group_snapshots.py).

Adds one table; no existing row changes. The first sync after the upgrade reads every
group's members, as every sync did before."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class OktaGroupSnapshot(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(
            column_name='organization_id', field='id', model=migrator.orm['organization'],
            on_delete='CASCADE')
        org_url = pw.CharField(max_length=500)
        okta_group_id = pw.CharField(max_length=64)
        membership_updated = pw.CharField(max_length=40)
        member_ids = pw.TextField(default='[]')
        read_at = pw.DateTimeField()

        class Meta:
            table_name = "okta_group_snapshot"
            indexes = [(('organization', 'okta_group_id'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('okta_group_snapshot')
