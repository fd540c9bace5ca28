"""SCIM tokens this process verified, remembered so that the next request with the same
token need not verify it again.

Verifying is one query joining the token, its connection and its organization, and
three models built from the row: after the route itself, the largest cost of a SCIM
request (bench/profile_mix.py). A remembered token is trusted only while the database's
auth version is the one read before it was verified. Triggers (wizard/db_triggers.py) move that
number in the same transaction as any revocation or rotation of a token, any change to
a connection's key or organization, and any change to an organization, so a revoked
token is refused on the very next request, in every process; reading the number is a
one-row query. A remembered token is also dropped after ``SCIM_AUTH_CACHE_SECONDS`` and
its ``expires_at`` is checked on every use. Failures are never remembered: a wrong token
is verified (and counted) each time.

Without the triggers (a database not yet upgraded, or a later change that dropped one)
nothing is remembered: every request verifies its token as before.
"""

import time
from dataclasses import dataclass

import peewee as pw
from flask import Flask, current_app

from .. import db_triggers, hot_statements
from ..db import database
from ..domain import connections
from ..models import utcnow
from ..security import token_digest

EXTENSION = "scim_verified_tokens"
TRIGGERS = len(db_triggers.AUTH_TRIGGERS)
MAX_ENTRIES = 1024  # live tokens of the tenants one process serves; cleared when over


@dataclass(frozen=True)
class _Entry:
    version: int
    until: float  # monotonic
    connection: object
    token: object


class VerifiedTokens:
    def __init__(self, seconds: int):
        self.seconds = seconds
        self.entries: dict[tuple[str, str], _Entry] = {}
        self.usable: bool | None = None  # known after the first request

    def authenticate(self, scim_key: str, presented: str | None):
        """``connections.authenticate``'s answer: ``(connection, token)``."""
        if not self.seconds or not presented or not scim_key or not self._triggers_in_place():
            return connections.authenticate(scim_key, presented)
        version = current_version()
        key = (scim_key, token_digest(presented))
        entry = self.entries.get(key)
        if entry is not None and entry.version == version and time.monotonic() < entry.until:
            expires = entry.token.expires_at
            if expires is None or expires > utcnow():
                return _copies(entry.connection, entry.token)
        connection, token = connections.authenticate(scim_key, presented)
        if token is None:
            self.entries.pop(key, None)
            return connection, token
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[key] = _Entry(version, time.monotonic() + self.seconds, connection, token)
        return _copies(connection, token)

    def note_used(self, scim_key: str, presented: str, token, connection) -> None:
        """The token's and connection's "last used" as just written (so the remembered
        copy does not ask for the write again on every request)."""
        entry = self.entries.get((scim_key, token_digest(presented)))
        if entry is not None:
            entry.token.last_used_at = token.last_used_at
            entry.connection.scim_health.last_request_at = connection.scim_health.last_request_at

    def _triggers_in_place(self) -> bool:
        if self.usable is None:
            self.usable = count_triggers() == TRIGGERS
            if not self.usable:
                current_app.logger.warning(
                    "SCIM tokens are verified on every request: the auth version triggers "
                    "(wizard/db_triggers.py) are missing; run `flask --app app db upgrade`"
                )
        return self.usable


_VERSION = hot_statements.mark_hot("SELECT version FROM auth_version WHERE id = 1")


def current_version() -> int:
    return database.execute_sql(_VERSION).fetchone()[0]


def count_triggers() -> int:
    """How many of the auth version's triggers the database has."""
    return len(db_triggers.existing(database.obj) & set(db_triggers.AUTH_TRIGGERS))


def _copies(connection, token):
    """Fresh model instances for this request: whatever a request sets on them stays
    with it, never on the remembered ones."""
    organization = _copy(connection.organization)
    connection = _copy(connection)
    connection.__rel__["organization"] = organization
    token = _copy(token)
    token.__rel__["connection"] = connection
    return connection, token


def _copy(model):
    """A model instance like ``model``, with copies of the rows a query attached to it
    (the connection's SCIM health, ``OktaConnection._part``)."""
    clone = model.__class__.__new__(model.__class__)
    clone.__data__, clone._dirty, clone.__rel__ = dict(model.__data__), set(), {}
    for name, value in model.__dict__.items():
        if isinstance(value, pw.Model) and name not in ("__data__", "__rel__"):
            clone.__dict__[name] = _copy(value)
    return clone


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = VerifiedTokens(int(app.config["SCIM_AUTH_CACHE_SECONDS"]))


def verified_tokens() -> VerifiedTokens:
    return current_app.extensions[EXTENSION]
