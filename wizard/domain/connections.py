"""An organization's Okta connection and the SCIM bearer tokens Okta presents.

Tokens are random (``okcs_`` + 43 url-safe characters) and stored only as SHA-256
digests. Rotation keeps the previous token working for a grace period so the admin can
paste the new one into Okta without a failed provisioning in between; at most two
tokens are ever live.
"""

import secrets
import string
from datetime import datetime, timedelta

import peewee as pw
from flask import current_app

from ..db import database, write_transaction
from ..models import (
    Member,
    OktaConnection,
    Organization,
    ScimHealth,
    ScimToken,
    utcnow,
)
from ..prepared import Prepared
from ..security import new_token, same_secret, token_digest

TOKEN_PREFIX = "okcs_"  # noqa: S105 (a recognizable prefix, not a secret)
KEY_ALPHABET = string.ascii_lowercase + string.digits  # Okta refuses "_" in a base URL
KEY_LENGTH = 20
DEFAULT_GRACE = timedelta(hours=24)
# Writing "last used" on every request would make each read a write; a minute is enough
# for "last used at" and for the wizard's "verified at HH:MM".
LAST_USED_RESOLUTION = timedelta(seconds=60)


def new_scim_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def connection_for(organization: Organization) -> OktaConnection | None:
    return OktaConnection.get_or_none(OktaConnection.organization == organization)


def ensure_connection(organization: Organization) -> OktaConnection:
    with database.atomic():
        connection = connection_for(organization)
        if connection is None:
            connection = OktaConnection.create(organization=organization, scim_key=new_scim_key())
        return connection


def scim_endpoint(connection: OktaConnection) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/scim/v2/{connection.scim_key}"


def live_tokens(connection: OktaConnection, now: datetime | None = None):
    now = now or utcnow()
    return (
        ScimToken.select()
        .where(
            (ScimToken.connection == connection)
            & ScimToken.revoked_at.is_null()
            & (ScimToken.expires_at.is_null() | (ScimToken.expires_at > now))
        )
        .order_by(ScimToken.created_at.desc(), ScimToken.id.desc())
    )


def ever_had_a_token(connection: OktaConnection) -> bool:
    """Whether a token was ever made for ``connection`` (live, expired or revoked)."""
    return ScimToken.select().where(ScimToken.connection == connection).exists()


class FirstTokenTaken(Exception):
    """``first_only`` was asked, and the connection already had a token."""


def issue_scim_token(
    connection: OktaConnection,
    created_by: Member | None = None,
    grace: timedelta = DEFAULT_GRACE,
    *,
    first_only: bool = False,
) -> tuple[ScimToken, str]:
    """A new token; the newest previous one keeps working for ``grace``, older ones stop.
    With ``first_only`` (a setup link's token) it is made only if the connection never
    had one, checked under the organization's write lock: two requests at once cannot
    both pass a check made before either wrote.

    Returns the stored row and the plaintext, which is never stored and shown once.
    """
    plaintext = new_token(TOKEN_PREFIX)
    now = utcnow()
    with write_transaction(connection.organization_id):
        if first_only and ever_had_a_token(connection):
            raise FirstTokenTaken
        previous = list(live_tokens(connection, now))
        for index, token in enumerate(previous):
            if index == 0:
                grace_end = now + grace
                if token.expires_at is None or token.expires_at > grace_end:
                    token.expires_at = grace_end
                    token.save()
            else:
                token.revoked_at = now
                token.save()
        token = ScimToken.create(
            connection=connection,
            prefix=plaintext[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(plaintext),
            created_by=created_by,
            created_at=now,
        )
    return token, plaintext


def revoke_token(connection: OktaConnection, token_id: int) -> ScimToken | None:
    """Stop one live token of ``connection`` now (a leaked one need not wait for the end
    of its rotation grace period); None when it has no such live token."""
    token = live_tokens(connection).where(ScimToken.id == token_id).first()
    if token is not None:
        ScimToken.update(revoked_at=utcnow()).where(ScimToken.id == token.id).execute()
    return token


def revoke_tokens(connection: OktaConnection) -> int:
    return (
        ScimToken.update(revoked_at=utcnow())
        .where((ScimToken.connection == connection) & ScimToken.revoked_at.is_null())
        .execute()
    )


def find_connection(scim_key: str) -> OktaConnection | None:
    if not scim_key or len(scim_key) > 64:
        return None
    return OktaConnection.get_or_none(OktaConnection.scim_key == scim_key)


# Only what a SCIM request reads of the token, connection and SCIM health (none is ever
# saved from a request: their updates are single-column UPDATEs), and the whole
# organization. The health row (its last request time only: the request path reads
# nothing else of it) rides along where the connection keeps its parts, so noting a
# request's time costs no query of its own.
_LIVE_TOKENS_BY_KEY = Prepared(
    lambda key: (
        ScimToken.select(
            ScimToken.id,
            ScimToken.connection,
            ScimToken.digest,
            ScimToken.expires_at,
            ScimToken.last_used_at,
            OktaConnection.id,
            OktaConnection.organization,
            OktaConnection.scim_key,
            Organization,
            ScimHealth.id,
            ScimHealth.last_request_at,
        )
        .join(OktaConnection)
        .join(Organization)
        .switch(OktaConnection)
        .join(
            ScimHealth,
            pw.JOIN.LEFT_OUTER,
            on=(ScimHealth.connection == OktaConnection.id),
            attr=ScimHealth.cache_key(),
        )
        .where((OktaConnection.scim_key == key) & ScimToken.revoked_at.is_null())
    ),
    str,
)


def authenticate(scim_key: str, presented: str | None):
    """``(connection, token)`` for a SCIM request, in one query on the way that succeeds:
    the connection's unrevoked tokens with the connection and its organization joined.
    The token is None unless ``presented`` matches a live one, compared in constant time;
    the connection is None for an unknown key."""
    if not scim_key or len(scim_key) > 64:
        return None, None
    now = utcnow()
    tokens = [
        token
        for token in _LIVE_TOKENS_BY_KEY.rows(scim_key)
        if token.expires_at is None or token.expires_at > now
    ]
    digest = token_digest(presented or "")
    match = None
    for token in tokens:
        if same_secret(token.digest, digest) and presented:
            match = token  # keep looping: the time spent does not depend on which matched
    if match is not None:
        return match.connection, match
    return (tokens[0].connection if tokens else find_connection(scim_key)), None


def note_token_use(token: ScimToken, connection: OktaConnection, ip: str) -> None:
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ScimToken.update(last_used_at=now, last_used_ip=ip).where(
            ScimToken.id == token.id
        ).execute()
        token.last_used_at = now
    last = connection.scim_health.last_request_at
    if last is None or now - last >= LAST_USED_RESOLUTION:
        ScimHealth.update(last_request_at=now).where(
            ScimHealth.connection == connection.id
        ).execute()
        connection.scim_health.last_request_at = now


def note_auth_failure(connection: OktaConnection, ip: str) -> None:
    ScimHealth.update(last_auth_failure_at=utcnow(), last_auth_failure_ip=ip).where(
        ScimHealth.connection == connection.id
    ).execute()


def note_throttled(connection: OktaConnection, ip: str) -> None:
    """One more request refused by the failed-authentication limit (one UPDATE, no row)."""
    ScimHealth.update(
        throttled_requests=ScimHealth.throttled_requests + 1,
        last_throttled_at=utcnow(),
        last_throttled_ip=ip,
    ).where(ScimHealth.connection == connection.id).execute()
