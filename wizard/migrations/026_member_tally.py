"""How many members each organization has, kept by the database as members change.

Team > Users and SCIM's ``totalResults`` counted the organization's members on every
page: at 100,000 members most of a page's time on PostgreSQL (docs/benchmarks.md).
``member_tally`` holds one count per organization and per value of what those pages
filter on (who manages the member, active, hidden from SCIM, kept local), so any of
their totals is a sum over a few rows. Triggers keep it in the same transaction as the
change, whoever makes it; ``db upgrade`` makes them after the migrations and counts the
members then (wizard/db_triggers.py).

Adds one table; no existing row changes.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    boolean = "INTEGER" if isinstance(database, pw.SqliteDatabase) else "BOOLEAN"
    migrator.sql(
        "CREATE TABLE IF NOT EXISTS member_tally (organization_id INTEGER NOT NULL, "
        f"managed_by VARCHAR(10) NOT NULL, active {boolean} NOT NULL, "
        f"scim_hidden {boolean} NOT NULL, keep_local {boolean} NOT NULL, "
        "members BIGINT NOT NULL DEFAULT 0, "
        "PRIMARY KEY (organization_id, managed_by, active, scim_hidden, keep_local))"
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    postgres = not isinstance(database, pw.SqliteDatabase)
    for event in ("insert", "delete", "update"):
        migrator.sql(f"DROP TRIGGER IF EXISTS member_tally_{event}{' ON member' if postgres else ''}")
    if postgres:
        migrator.sql("DROP FUNCTION IF EXISTS member_tally_rows()")
        migrator.sql("DROP FUNCTION IF EXISTS member_tally_moved()")
    migrator.sql("DROP TABLE IF EXISTS member_tally")
