"""A version number that moves whenever a verified SCIM token could stop being valid.

Each process remembers the SCIM tokens it verified (wizard/scim/verified_tokens.py) and
trusts a remembered one only while this number is the one it saw: revoking or rotating
a token, changing or removing its connection, and changing or removing an organization
all move it, in the same transaction, by triggers, so no writer (a page, the CLI, the
scheduler, another process, a hand-typed UPDATE) can forget to. Columns written per
request (``last_used_at``, ``last_scim_request_at``) do not move it.

Adds one table of one row; no existing row changes.
"""

import peewee as pw
from peewee_migrate import Migrator

# (table, event, columns whose change matters or None for any): one trigger each.
WATCHED = (
    ("scim_token", "UPDATE", ("revoked_at", "expires_at", "digest", "connection_id")),
    ("scim_token", "DELETE", None),
    ("okta_connection", "UPDATE", ("scim_key", "organization_id")),
    ("okta_connection", "DELETE", None),
    ("organization", "UPDATE", None),
    ("organization", "DELETE", None),
)
BUMP = "UPDATE auth_version SET version = version + 1 WHERE id = 1"


def trigger_name(table: str, event: str) -> str:
    return f"auth_version_{table}_{event.lower()}"


def _changed(columns, postgres: bool) -> str:
    differs = "IS DISTINCT FROM" if postgres else "IS NOT"  # NULL-safe in each dialect
    return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in columns)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    postgres = not isinstance(database, pw.SqliteDatabase)
    migrator.sql(
        "CREATE TABLE IF NOT EXISTS auth_version "
        "(id INTEGER PRIMARY KEY, version BIGINT NOT NULL DEFAULT 0)"
    )
    migrator.sql("INSERT INTO auth_version (id, version) SELECT 1, 0 WHERE NOT EXISTS "
                 "(SELECT 1 FROM auth_version WHERE id = 1)")  # fmt: skip
    if postgres:
        migrator.sql(
            "CREATE OR REPLACE FUNCTION auth_version_bump() RETURNS trigger AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
    for table, event, columns in WATCHED:
        name = trigger_name(table, event)
        when = f"WHEN ({_changed(columns, postgres)})" if columns else ""
        if postgres:
            migrator.sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            migrator.sql(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} "
                "EXECUTE FUNCTION auth_version_bump()"
            )
        else:
            migrator.sql(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} FOR EACH ROW "
                f"{when} BEGIN {BUMP}; END"
            )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    postgres = not isinstance(database, pw.SqliteDatabase)
    for table, event, _ in WATCHED:
        on = f" ON {table}" if postgres else ""
        migrator.sql(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}{on}")
    if postgres:
        migrator.sql("DROP FUNCTION IF EXISTS auth_version_bump()")
    migrator.sql("DROP TABLE IF EXISTS auth_version")
