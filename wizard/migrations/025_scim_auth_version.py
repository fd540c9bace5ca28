"""A version number that moves whenever a verified SCIM token could stop being valid.

Each process remembers the SCIM tokens it verified (wizard/scim/verified_tokens.py) and
trusts a remembered one only while this number is the one it saw. Triggers move it in
the same transaction as the change (revoking, rotating, expiring or deleting a token,
re-keying or removing a connection, changing or removing an organization), so no
writer can forget to; they are made by ``db upgrade`` after the migrations
(wizard/db_triggers.py), since SQLite drops a table's triggers when a later migration
rebuilds the table.

Adds one table of one row; no existing row changes.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql(
        "CREATE TABLE IF NOT EXISTS auth_version "
        "(id INTEGER PRIMARY KEY, version BIGINT NOT NULL DEFAULT 0)"
    )
    migrator.sql("INSERT INTO auth_version (id, version) SELECT 1, 0 WHERE NOT EXISTS "
                 "(SELECT 1 FROM auth_version WHERE id = 1)")  # fmt: skip


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    postgres = not isinstance(database, pw.SqliteDatabase)
    for table, event in (("scim_token", "update"), ("scim_token", "delete"),
                         ("okta_connection", "update"), ("okta_connection", "delete"),
                         ("organization", "update"), ("organization", "delete")):  # fmt: skip
        on = f" ON {table}" if postgres else ""
        migrator.sql(f"DROP TRIGGER IF EXISTS auth_version_{table}_{event}{on}")
    if postgres:
        migrator.sql("DROP FUNCTION IF EXISTS auth_version_bump()")
    migrator.sql("DROP TABLE IF EXISTS auth_version")
