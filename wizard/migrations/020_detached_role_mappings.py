"""Role mappings outlive their Okta group: ``role_mapping.group_id`` may be NULL (a
*detached* mapping, after Okta deleted the group), with the group's name, Okta id,
externalId and the time it was detached, to attach the mapping again when the same
group arrives. Every row is kept as it is; the new columns start empty.

The rollback cannot put a detached mapping back under a NOT NULL column: it refuses
while any exists (remove them on the Role mapping page, or attach them, first).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'role_mapping',
        detached_name=pw.CharField(default='', max_length=255),
        detached_okta_id=pw.CharField(max_length=64, null=True),
        detached_external_id=pw.CharField(max_length=254, null=True),
        detached_at=pw.DateTimeField(null=True))
    migrator.drop_not_null('role_mapping', 'group')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    def refuse_detached():
        detached = database.execute_sql(
            "SELECT COUNT(*) FROM role_mapping WHERE group_id IS NULL").fetchone()[0]
        if detached:
            raise RuntimeError(
                f"{detached} detached role mapping(s) have no group: remove or attach them "
                "before rolling back migration 020.")

    migrator.run(refuse_detached)
    migrator.add_not_null('role_mapping', 'group')
    migrator.remove_fields(
        'role_mapping', 'detached_name', 'detached_okta_id', 'detached_external_id',
        'detached_at')
