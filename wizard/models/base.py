"""What every table shares: naive UTC times (``utcnow``), SCIM ids, the casefolded
``*_key`` values behind case-insensitive uniqueness, JSON columns, the database."""

import json
import uuid
from datetime import UTC, datetime

import peewee as pw

from ..db import database


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_scim_id() -> str:
    """A resource id for SCIM: random, stable, never reused (RFC 7643 §3.1)."""
    return str(uuid.uuid4())


def fold(value: str | None) -> str:
    """The key used for case-insensitive comparisons (emails, userNames, names)."""
    return (value or "").strip().casefold()


class JSONField(pw.TextField):
    """JSON kept as text, so SQLite and PostgreSQL store it alike."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False
