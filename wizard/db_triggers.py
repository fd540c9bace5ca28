"""The triggers the database keeps, made (again) by every ``db upgrade``.

- ``auth_version_*`` move ``auth_version`` whenever a verified SCIM token could stop
  being valid: a token revoked, rotated, expired or deleted, a connection re-keyed or
  removed, an organization changed or removed (wizard/scim/verified_tokens.py).
- ``member_tally_*`` keep ``member_tally``'s counts of members (wizard/domain/member_tally.py).

Their tables come from migrations 025 and 026; the triggers live here because SQLite
drops a table's triggers when a migration rebuilds the table (adding a column with
peewee-migrate does), so ``ensure`` runs after the migrations, every time, and makes any
that is missing. A member tally whose triggers were missing is counted again.
"""

# Every statement here is built from the fixed names above, never from a value.
# ruff: noqa: S608

import peewee as pw

TALLY_KEY = ("organization_id", "managed_by", "active", "scim_hidden", "keep_local")
_COLUMNS = ", ".join(TALLY_KEY)
_BUMP = "UPDATE auth_version SET version = version + 1 WHERE id = 1"
# (table, event, the columns whose change matters, or None for any change)
AUTH_WATCHED = (
    ("scim_token", "UPDATE", ("revoked_at", "expires_at", "digest", "connection_id")),
    ("scim_token", "DELETE", None),
    ("okta_connection", "UPDATE", ("scim_key", "organization_id")),
    ("okta_connection", "DELETE", None),
    ("organization", "UPDATE", None),
    ("organization", "DELETE", None),
)
AUTH_TRIGGERS = tuple(f"auth_version_{table}_{event.lower()}" for table, event, _ in AUTH_WATCHED)
TALLY_TRIGGERS = ("member_tally_insert", "member_tally_delete", "member_tally_update")


def ensure(database: pw.Database) -> list[str]:
    """Make every missing trigger; returns the names made."""
    postgres = not isinstance(database, pw.SqliteDatabase)
    present = existing(database)
    wanted = _postgres() if postgres else _sqlite()
    tables = {"auth_version": AUTH_TRIGGERS, "member_tally": TALLY_TRIGGERS}
    # A database stopped before the migration that makes a table gets none of its triggers.
    allowed = {
        name for table, names in tables.items() if database.table_exists(table) for name in names
    }
    missing = [name for name in wanted if name not in present and name in allowed]
    if not missing:
        return []
    with database.atomic():
        if postgres:
            for statement in _POSTGRES_FUNCTIONS:
                database.execute_sql(statement)
        for name in missing:
            database.execute_sql(wanted[name])
        if set(missing) & set(TALLY_TRIGGERS):
            recount_members(database)
    return missing


def existing(database: pw.Database) -> set[str]:
    if isinstance(database, pw.SqliteDatabase):
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        return {name for (name,) in database.execute_sql(sql).fetchall()}
    sql = (
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
    )
    return {name for (name,) in database.execute_sql(sql).fetchall()}


def recount_members(database: pw.Database) -> None:
    """``member_tally`` from the members as they are (the triggers keep it from then on)."""
    database.execute_sql("DELETE FROM member_tally")
    database.execute_sql(
        f"INSERT INTO member_tally ({_COLUMNS}, members) SELECT {_COLUMNS}, count(*) "
        f"FROM member WHERE organization_id IS NOT NULL GROUP BY {_COLUMNS}"
    )


def _when_changed(columns, differs: str) -> str:
    return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in columns)


def _sqlite() -> dict[str, str]:
    made = {}
    for (table, event, columns), name in zip(AUTH_WATCHED, AUTH_TRIGGERS, strict=True):
        when = f"WHEN ({_when_changed(columns, 'IS NOT')})" if columns else ""
        made[name] = (
            f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} FOR EACH ROW "
            f"{when} BEGIN {_BUMP}; END"
        )

    def up(row: str, where: str = "") -> str:
        return (
            f"INSERT INTO member_tally ({_COLUMNS}, members) SELECT "
            f"{', '.join(f'{row}.{c}' for c in TALLY_KEY)}, 1 WHERE {where or 'true'} "
            f"ON CONFLICT ({_COLUMNS}) DO UPDATE SET members = members + 1;"
        )

    def down(row: str) -> str:
        match = " AND ".join(f"{c} = {row}.{c}" for c in TALLY_KEY)
        return f"UPDATE member_tally SET members = members - 1 WHERE {match};"

    made["member_tally_insert"] = (
        "CREATE TRIGGER IF NOT EXISTS member_tally_insert AFTER INSERT ON member "
        f"WHEN NEW.organization_id IS NOT NULL BEGIN {up('NEW')} END"
    )
    made["member_tally_delete"] = (
        "CREATE TRIGGER IF NOT EXISTS member_tally_delete AFTER DELETE ON member "
        f"WHEN OLD.organization_id IS NOT NULL BEGIN {down('OLD')} END"
    )
    made["member_tally_update"] = (
        f"CREATE TRIGGER IF NOT EXISTS member_tally_update AFTER UPDATE OF {_COLUMNS} "
        f"ON member WHEN ({_when_changed(TALLY_KEY, 'IS NOT')}) BEGIN {down('OLD')} "
        f"{up('NEW', 'NEW.organization_id IS NOT NULL')} END"
    )
    return made


def _same_key(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in TALLY_KEY)


_GROUPED = (
    f"SELECT {_COLUMNS}, count(*) AS n FROM {{rows}} "
    f"WHERE organization_id IS NOT NULL GROUP BY {_COLUMNS}"
)
_ONE_UP = (
    f"INSERT INTO member_tally ({_COLUMNS}, members) VALUES "
    f"({', '.join('NEW.' + c for c in TALLY_KEY)}, 1) ON CONFLICT ({_COLUMNS}) "
    "DO UPDATE SET members = member_tally.members + 1"
)
_ONE_DOWN = f"UPDATE member_tally t SET members = t.members - 1 WHERE {_same_key('t', 'OLD')}"
# A member moving from one count to another changes the two in one order whatever the
# direction, so two members moving opposite ways at once cannot deadlock on them.
_OLD_FIRST = " < ".join(
    f"ROW({', '.join(f'{row}.{c}::text' for c in TALLY_KEY)})" for row in ("OLD", "NEW")
)
_POSTGRES_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION auth_version_bump() RETURNS trigger AS $$ "
    f"BEGIN {_BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql",
    # Inserts and deletes: once per statement (a bulk create of 500 changes each count once).
    "CREATE OR REPLACE FUNCTION member_tally_rows() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP = 'INSERT' THEN "
    f"INSERT INTO member_tally ({_COLUMNS}, members) {_GROUPED.format(rows='new_rows')} "
    f"ON CONFLICT ({_COLUMNS}) DO UPDATE SET members = member_tally.members + EXCLUDED.members; "
    "ELSE UPDATE member_tally t SET members = t.members - d.n FROM "
    f"({_GROUPED.format(rows='old_rows')}) d WHERE {_same_key('t', 'd')}; "
    "END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
    # An update: once per row whose counted columns changed.
    "CREATE OR REPLACE FUNCTION member_tally_moved() RETURNS trigger AS $$ BEGIN "
    f"IF {_OLD_FIRST} THEN "
    f"IF OLD.organization_id IS NOT NULL THEN {_ONE_DOWN}; END IF; "
    f"IF NEW.organization_id IS NOT NULL THEN {_ONE_UP}; END IF; "
    "ELSE "
    f"IF NEW.organization_id IS NOT NULL THEN {_ONE_UP}; END IF; "
    f"IF OLD.organization_id IS NOT NULL THEN {_ONE_DOWN}; END IF; "
    "END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
)


def _postgres() -> dict[str, str]:
    made = {}
    for (table, event, columns), name in zip(AUTH_WATCHED, AUTH_TRIGGERS, strict=True):
        when = f"WHEN ({_when_changed(columns, 'IS DISTINCT FROM')})" if columns else ""
        made[name] = (
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} "
            "EXECUTE FUNCTION auth_version_bump()"
        )
    for event, rows in (("insert", "NEW TABLE AS new_rows"), ("delete", "OLD TABLE AS old_rows")):
        made[f"member_tally_{event}"] = (
            f"CREATE TRIGGER member_tally_{event} AFTER {event.upper()} ON member "
            f"REFERENCING {rows} FOR EACH STATEMENT EXECUTE FUNCTION member_tally_rows()"
        )
    made["member_tally_update"] = (
        f"CREATE TRIGGER member_tally_update AFTER UPDATE OF {_COLUMNS} ON member "
        f"FOR EACH ROW WHEN ({_when_changed(TALLY_KEY, 'IS DISTINCT FROM')}) "
        "EXECUTE FUNCTION member_tally_moved()"
    )
    return made
