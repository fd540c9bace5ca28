"""How many members each organization has, kept by the database as members change.

Team > Users and SCIM's ``totalResults`` showed a ``count(*)`` over the organization's
members on every page: at 100,000 members most of a page's time on PostgreSQL
(docs/benchmarks.md). ``member_tally`` holds one count per organization and per value of
what those pages filter on (who manages the member, active, hidden from SCIM, kept
local), so any of their totals is a sum over a few rows. Triggers keep it in the same
transaction as the change, whoever makes it: SCIM, the sync's bulk creates, the admin
pages, the CLI. On PostgreSQL inserts and deletes are counted once per statement (a
bulk create of 500 members updates each count once), a change of one of the columns
once per changed row.

Adds one table filled from the members as they are; no existing row changes.
"""

import peewee as pw
from peewee_migrate import Migrator

KEY = ("organization_id", "managed_by", "active", "scim_hidden", "keep_local")
COLUMNS = ", ".join(KEY)
TRIGGERS = ("insert", "delete", "update")


def _same_key(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in KEY)


def _postgres(migrator: Migrator) -> None:
    grouped = f"SELECT {COLUMNS}, count(*) FROM {{rows}} WHERE organization_id IS NOT NULL GROUP BY {COLUMNS}"  # noqa: E501
    upsert = (
        f"INSERT INTO member_tally ({COLUMNS}, members) {grouped} "
        f"ON CONFLICT ({COLUMNS}) DO UPDATE SET members = member_tally.members + EXCLUDED.members"
    )
    migrator.sql(
        "CREATE OR REPLACE FUNCTION member_tally_rows() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN " + upsert.format(rows="new_rows") + "; "
        f"ELSE UPDATE member_tally t SET members = t.members - d.count FROM ("
        + grouped.format(rows="old_rows")
        + f") d WHERE {_same_key('t', 'd')}; END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    one_up = (
        f"INSERT INTO member_tally ({COLUMNS}, members) VALUES "
        f"({', '.join('NEW.' + c for c in KEY)}, 1) ON CONFLICT ({COLUMNS}) "
        "DO UPDATE SET members = member_tally.members + 1"
    )
    one_down = f"UPDATE member_tally t SET members = t.members - 1 WHERE {_same_key('t', 'OLD')}"
    # The two counts are changed in one order whatever the direction, so two members
    # moving opposite ways at once cannot deadlock on them.
    ordered = " < ".join(
        f"ROW({', '.join(f'{row}.{c}::text' for c in KEY)})" for row in ("OLD", "NEW")
    )
    migrator.sql(
        "CREATE OR REPLACE FUNCTION member_tally_moved() RETURNS trigger AS $$ BEGIN "
        f"IF {ordered} THEN "
        f"IF OLD.organization_id IS NOT NULL THEN {one_down}; END IF; "
        f"IF NEW.organization_id IS NOT NULL THEN {one_up}; END IF; "
        "ELSE "
        f"IF NEW.organization_id IS NOT NULL THEN {one_up}; END IF; "
        f"IF OLD.organization_id IS NOT NULL THEN {one_down}; END IF; "
        "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in KEY)
    for event, rows in (("insert", "NEW TABLE AS new_rows"), ("delete", "OLD TABLE AS old_rows")):
        migrator.sql(f"DROP TRIGGER IF EXISTS member_tally_{event} ON member")
        migrator.sql(
            f"CREATE TRIGGER member_tally_{event} AFTER {event.upper()} ON member "
            f"REFERENCING {rows} FOR EACH STATEMENT EXECUTE FUNCTION member_tally_rows()"
        )
    migrator.sql("DROP TRIGGER IF EXISTS member_tally_update ON member")
    migrator.sql(
        f"CREATE TRIGGER member_tally_update AFTER UPDATE OF {COLUMNS} ON member "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION member_tally_moved()"
    )


def _sqlite(migrator: Migrator) -> None:
    def up(row: str) -> str:
        return (
            f"INSERT INTO member_tally ({COLUMNS}, members) VALUES "
            f"({', '.join(f'{row}.{c}' for c in KEY)}, 1) ON CONFLICT ({COLUMNS}) "
            "DO UPDATE SET members = members + 1;"
        )

    def down(row: str) -> str:
        where = " AND ".join(f"{c} = {row}.{c}" for c in KEY)
        return f"UPDATE member_tally SET members = members - 1 WHERE {where};"

    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in KEY)
    migrator.sql(
        "CREATE TRIGGER IF NOT EXISTS member_tally_insert AFTER INSERT ON member "
        f"WHEN NEW.organization_id IS NOT NULL BEGIN {up('NEW')} END"
    )
    migrator.sql(
        "CREATE TRIGGER IF NOT EXISTS member_tally_delete AFTER DELETE ON member "
        f"WHEN OLD.organization_id IS NOT NULL BEGIN {down('OLD')} END"
    )
    # One trigger per side: an organization_id moving from or to NULL counts one side.
    migrator.sql(
        f"CREATE TRIGGER IF NOT EXISTS member_tally_update AFTER UPDATE OF {COLUMNS} "
        f"ON member WHEN ({changed}) BEGIN "
        f"{down('OLD')} "
        f"INSERT INTO member_tally ({COLUMNS}, members) SELECT "
        f"{', '.join('NEW.' + c for c in KEY)}, 1 WHERE NEW.organization_id IS NOT NULL "
        f"ON CONFLICT ({COLUMNS}) DO UPDATE SET members = members + 1; END"
    )


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    postgres = not isinstance(database, pw.SqliteDatabase)
    boolean = "BOOLEAN" if postgres else "INTEGER"
    migrator.sql(
        "CREATE TABLE IF NOT EXISTS member_tally (organization_id INTEGER NOT NULL, "
        f"managed_by VARCHAR(10) NOT NULL, active {boolean} NOT NULL, "
        f"scim_hidden {boolean} NOT NULL, keep_local {boolean} NOT NULL, "
        f"members BIGINT NOT NULL DEFAULT 0, PRIMARY KEY ({COLUMNS}))"
    )
    migrator.sql("DELETE FROM member_tally")
    migrator.sql(
        f"INSERT INTO member_tally ({COLUMNS}, members) SELECT {COLUMNS}, count(*) "
        f"FROM member WHERE organization_id IS NOT NULL GROUP BY {COLUMNS}"
    )
    (_postgres if postgres else _sqlite)(migrator)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    postgres = not isinstance(database, pw.SqliteDatabase)
    for event in TRIGGERS:
        migrator.sql(f"DROP TRIGGER IF EXISTS member_tally_{event}{' ON member' if postgres else ''}")
    if postgres:
        migrator.sql("DROP FUNCTION IF EXISTS member_tally_rows()")
        migrator.sql("DROP FUNCTION IF EXISTS member_tally_moved()")
    migrator.sql("DROP TABLE IF EXISTS member_tally")
