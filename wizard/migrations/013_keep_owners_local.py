"""Existing owners become kept local, as new ones are (``accounts.create_local_admin``).

An owner is a local member (``managed_by = 'local'``) with a password and an
EnterpriseAdmin role granted by hand (a ``manual`` organization grant): the accounts
``member create-admin`` and the demo made. Until now SCIM could list, change and
deactivate them; from here on SCIM neither sees nor changes them until an
EnterpriseAdmin turns *keep local* off on the member's page. Only ``keep_local`` changes,
on those rows only; no row is added or removed, and the rollback leaves the flags as they
are (it cannot tell which ones this migration set).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    def keep_owners_local():
        database.execute_sql(
            "UPDATE member SET keep_local = %s WHERE managed_by = 'local' "
            "AND password_hash IS NOT NULL AND is_staff = %s AND id IN ("
            "SELECT member_id FROM role_assignment WHERE source = 'manual' "
            "AND role = 'EnterpriseAdmin' AND site_id IS NULL AND all_sites = %s)".replace(
                "%s", database.param
            ),
            (True, False, False),
        )

    migrator.run(keep_owners_local)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    pass
