"""Indexes another index already serves, dropped: each one cost every insert its upkeep
(a member row had twelve indexes to update, a membership four) and answered no query
the other could not. Each is the leading column(s) of a wider index on the same table:

- ``member (organization_id)`` and ``member (organization_id, created_at)``: leading
  columns of ``member (organization_id, created_at, id)`` (migration 009);
- ``group (organization_id)``: of the unique ``group (organization_id, name_key)``;
- ``membership (group_id)``: of the unique ``membership (group_id, member_id)``.

No row changes; the rollback makes them again.
"""

import peewee as pw
from peewee_migrate import Migrator

DROPPED = (  # (table, indexed fields), as the models named them
    ("member", ("organization",)),
    ("member", ("organization", "created_at")),
    ("group", ("organization",)),
    ("membership", ("group",)),
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # Through the migrator, so its picture of the tables (used when a later migration
    # rebuilds one on SQLite) no longer has them either.
    for table, fields in DROPPED:
        migrator.drop_index(table, *fields)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table, fields in DROPPED:
        migrator.add_index(table, *fields)
