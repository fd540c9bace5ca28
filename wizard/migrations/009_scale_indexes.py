"""Indexes found by the 100,000-member benchmark (bench/scale.py, docs/benchmarks.md).

- Team > Users orders by (created_at, id) within an organization: one index serves any
  page without sorting the organization's members.
- Team > Users search matches email, userName and name prefixes as ranges
  (team/queries.py): indexes on the lowercased names, and on PostgreSQL all four in the
  "C" collation, whose order is by code point whatever the database's collation.
- The wizard's live panel and support's request log read an organization's latest SCIM
  requests per connection.
"""

import peewee as pw
from peewee_migrate import Migrator

INDEXES = {
    "member_org_created_id": "member (organization_id, created_at, id)",
    "scim_event_connection_created": "scim_event (connection_id, created_at)",
}
SEARCH_COLUMNS = {
    "member_org_email_prefix": "email_key",
    "member_org_user_name_prefix": "user_name_key",
    "member_org_given_prefix": "lower(given_name)",
    "member_org_family_prefix": "lower(family_name)",
}


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    postgres = not isinstance(database, pw.SqliteDatabase)
    for name, target in INDEXES.items():
        migrator.sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    for name, column in SEARCH_COLUMNS.items():
        if column.endswith("_key") and not postgres:
            continue  # SQLite compares bytes: the unique (organization, key) indexes serve
        collated = f'{column} COLLATE "C"' if postgres else column
        migrator.sql(f"CREATE INDEX IF NOT EXISTS {name} ON member (organization_id, {collated})")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for name in [*INDEXES, *SEARCH_COLUMNS]:
        migrator.sql(f"DROP INDEX IF EXISTS {name}")
