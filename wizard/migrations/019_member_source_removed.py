"""``member.source`` goes: it said ``okta`` or ``local``, which ``managed_by`` already
says (``local``, or the Okta door: ``scim``, ``sync``, ``jit``). It was written in six
places and read in none, and two columns for one fact are two that can disagree. Only
the column goes; every row stays. The rollback puts it back, derived from ``managed_by``.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields('member', 'source')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields('member', source=pw.CharField(default='local', max_length=10))

    def derive_from_managed_by():
        database.execute_sql("UPDATE member SET source = 'okta' WHERE managed_by != 'local'")

    migrator.run(derive_from_managed_by)
