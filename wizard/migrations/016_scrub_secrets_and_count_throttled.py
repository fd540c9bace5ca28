"""Passwords out of rows already stored, and a counter for throttled SCIM requests.

- Redaction now goes by SCIM attribute (wizard/domain/redaction.py), so a ``password`` sent as a
  PATCH path, a URN-qualified key or a path-less value was kept by the old key-name
  redaction. Every ``scim_event.body`` and ``failed_migration.request`` is redacted
  again; a stored body that can no longer be read as JSON (it was truncated) and names a
  secret attribute is replaced by a note. Every row is kept. SQLite overwrites the old
  bytes (``secure_delete``); on PostgreSQL the old row versions go at the next VACUUM.
- Requests refused by the failed-authentication limit are counted on the connection
  instead of each becoming a request-log row.
"""

import json
import re

import peewee as pw
from peewee_migrate import Migrator

from wizard.domain.redaction import SECRET_ATTRIBUTES, strip_secrets

BATCH = 500
UNREADABLE = "(removed by migration 016: a stored body that may have held a password)"
# A JSON string naming a secret attribute (a key or a PATCH path), URN-qualified or not.
NAMES_A_SECRET = re.compile(
    r'"(?:urn:[^"]*:)?(?:%s)(?:[\[.][^"]*)?"' % "|".join(sorted(SECRET_ATTRIBUTES)),
    re.IGNORECASE,
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'okta_connection',
        throttled_requests=pw.IntegerField(default=0),
        last_throttled_at=pw.DateTimeField(null=True),
        last_throttled_ip=pw.CharField(default='', max_length=64))
    migrator.run(scrub_stored_secrets, database)


def scrub_stored_secrets(database: pw.Database) -> int:
    """Redact every stored body again; returns how many rows changed."""
    sqlite = isinstance(database, pw.SqliteDatabase)
    if sqlite:
        database.execute_sql("PRAGMA secure_delete = ON")  # freed bytes are zeroed
    try:
        return sum(_rewrite(database, *column) for column in STORED_BODIES)
    finally:
        if sqlite:
            database.execute_sql("PRAGMA secure_delete = OFF")


def _rewrite(database, table: str, column: str, dump) -> int:
    changed, last = 0, 0
    mark = database.param
    while True:
        rows = database.execute_sql(
            f'SELECT id, "{column}" FROM "{table}" WHERE id > {mark} AND "{column}" IS NOT NULL '
            f"ORDER BY id LIMIT {BATCH}",
            (last,),
        ).fetchall()
        if not rows:
            return changed
        for row_id, text in rows:
            new = _redacted(text, dump)
            if new != text:
                database.execute_sql(
                    f'UPDATE "{table}" SET "{column}" = {mark} WHERE id = {mark}', (new, row_id)
                )
                changed += 1
        last = rows[-1][0]


def _redacted(text: str, dump) -> str:
    """``text`` redacted and written back as its writer writes it; unchanged without a
    secret. Text that is not JSON (a truncated log body) and names a secret is replaced."""
    try:
        body = json.loads(text)
    except ValueError:
        return UNREADABLE if NAMES_A_SECRET.search(text) else text
    clean, removed = strip_secrets(body)
    return dump(clean) if removed else text


# (table, column, how its writer dumps JSON): the request log's compact JSON
# (scim/request_log.py) and a failed migration's JSONField (sorted keys).
STORED_BODIES = (
    ("scim_event", "body", lambda value: json.dumps(value, separators=(",", ":"))),
    ("failed_migration", "request", lambda value: json.dumps(value, sort_keys=True)),
)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields(
        'okta_connection', 'throttled_requests', 'last_throttled_at', 'last_throttled_ip')
