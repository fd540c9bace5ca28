"""Sessions kept on the server: one ``SessionRecord`` per sign-in.

Flask's cookie is signed, not secret, and a copy of it works wherever it is replayed.
So the cookie carries only a random token, the database its digest, and a request is
signed in only while that record is live: not ended (sign-out, sign-out everywhere, a
password change), used within the idle lifetime, and younger than the absolute one.
Ending a record ends the session for every copy of the cookie at once.

Plain functions over models, no request or session: wizard/auth/sessions.py is the
request side.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import peewee as pw

from ..models import Member, SessionRecord, utcnow
from ..prepared import Prepared
from ..security import decrypt_secret, encrypt_secret, new_token, token_digest

# A live session's last_seen_at moves at most this often: no database write per request.
TOUCH_EVERY = timedelta(minutes=1)
# Live sessions one member may hold (browsers, devices); a sign-in beyond it ends the
# oldest, so signing in over and over cannot grow the table without bound.
MAX_LIVE_PER_MEMBER = 20


class SignInMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 (a sign-in method, not a password)
    OKTA = "okta"


class SessionEnd(StrEnum):
    """Why a record ended (``SessionRecord.end_reason``)."""

    SIGNED_OUT = "signed_out"
    ENDED_EVERYWHERE = "ended_everywhere"  # "Sign out everywhere", deactivation, reset
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (the member's other sessions)
    SETUP_LINK = "setup_link"  # replaced by a setup link's session, after asking
    REPLACED = "replaced"  # another sign-in in the same browser took its place
    SUPERSEDED = "superseded"  # the oldest beyond MAX_LIVE_PER_MEMBER
    IDLE = "idle"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    maximum: timedelta

    @classmethod
    def from_config(cls, config) -> "Lifetimes":
        return cls(
            idle=timedelta(hours=config["SESSION_IDLE_HOURS"]),
            maximum=timedelta(days=config["SESSION_MAX_DAYS"]),
        )

    def ended_by(self, record: SessionRecord, now: datetime) -> SessionEnd | None:
        if now - record.created_at >= self.maximum:
            return SessionEnd.EXPIRED
        if now - record.last_seen_at >= self.idle:
            return SessionEnd.IDLE
        return None


def open_record(member: Member, method: SignInMethod) -> tuple[SessionRecord, str]:
    """A new live record; returns it and the token for the cookie (shown nowhere else)."""
    token = new_token("okcs_", 32)
    record = SessionRecord.create(member=member, digest=token_digest(token), method=method)
    oldest = (
        SessionRecord.select(SessionRecord.id)
        .where((SessionRecord.member == member.id) & SessionRecord.ended_at.is_null())
        .order_by(SessionRecord.id.desc())
        .offset(MAX_LIVE_PER_MEMBER)
    )
    SessionRecord.update(ended_at=utcnow(), end_reason=SessionEnd.SUPERSEDED).where(
        SessionRecord.id.in_(oldest)
    ).execute()
    return record, token


def live_record(token: str, member_id: int, lifetimes: Lifetimes) -> SessionRecord | None:
    """The member's live record for ``token``, or None. A record found past a lifetime
    is ended here (once: an ended record is refused before any write)."""
    record = SessionRecord.get_or_none(SessionRecord.digest == token_digest(token))
    if record is None or record.member_id != member_id or record.ended_at is not None:
        return None
    now = utcnow()
    reason = lifetimes.ended_by(record, now)
    if reason is not None:
        end(record, reason)
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        SessionRecord.update(last_seen_at=now).where(SessionRecord.id == record.id).execute()
        record.last_seen_at = now
    return record


def end(record: SessionRecord, reason: SessionEnd) -> None:
    SessionRecord.update(ended_at=utcnow(), end_reason=reason).where(
        (SessionRecord.id == record.id) & SessionRecord.ended_at.is_null()
    ).execute()


# Every SCIM deactivation runs it, under the organization's write lock: compiled once.
_END_ALL_BUT = Prepared(
    lambda member_id, keep_id, now, reason: SessionRecord.update(
        ended_at=pw.Value(now, converter=False), end_reason=pw.Value(reason, converter=False)
    ).where(
        (SessionRecord.member == member_id)
        & SessionRecord.ended_at.is_null()
        & (SessionRecord.id != keep_id)
    ),
    int,
    int,
    str,
    str,
)


def end_all(member: Member, reason: SessionEnd, keep: SessionRecord | None = None) -> int:
    """End every live record of ``member`` except ``keep``; returns how many ended."""
    keep_id = keep.id if keep is not None else 0  # no record has id 0: none is kept
    now = SessionRecord.ended_at.db_value(utcnow())
    return _END_ALL_BUT.run(member.id, keep_id, now, str(reason))


def remember_sso(record: SessionRecord, org_slug: str, id_token: str) -> None:
    """Keep the Okta sign-in's organization and ID token (for Okta's sign-out)."""
    SessionRecord.update(
        okta_org=org_slug, id_token=encrypt_secret(id_token) if id_token else ""
    ).where(SessionRecord.id == record.id).execute()


def sso_state(record: SessionRecord) -> dict | None:
    """``{"org", "id_token"}`` of an Okta sign-in, None for a password one."""
    fresh = SessionRecord.get_or_none(SessionRecord.id == record.id)
    if fresh is None or not fresh.okta_org:
        return None
    try:
        id_token = decrypt_secret(fresh.id_token) if fresh.id_token else ""
    except ValueError:  # the key that wrote it is gone: sign out without the hint
        id_token = ""
    return {"org": fresh.okta_org, "id_token": id_token}


def remove_finished(now: datetime, lifetimes: Lifetimes) -> int:
    """Scheduler housekeeping: delete ended records and those past a lifetime."""
    return (
        SessionRecord.delete()
        .where(
            SessionRecord.ended_at.is_null(False)
            | (SessionRecord.last_seen_at <= now - lifetimes.idle)
            | (SessionRecord.created_at <= now - lifetimes.maximum)
        )
        .execute()
    )
