"""The request side of server-side sessions (wizard/domain/session_records.py): sign-in opens
a record and puts its token in the cookie; flask-login's user loader lets a request in
only while the session version matches and the record is live; sign-out ends it.

A cookie without a live record signs nobody in, so a sign-in that forgot to open one
fails closed.
"""

from flask import current_app, g, session
from flask_login import current_user, login_user, logout_user

from ..domain import session_records
from ..domain.session_records import Lifetimes, SessionEnd, SignInMethod
from ..models import Member, SessionRecord
from . import fresh

SESSION_KEY = "session_token"

__all__ = ["SessionEnd", "SignInMethod", "current_record", "load_member", "sign_in", "sign_out"]


def sign_in(member: Member, method: SignInMethod) -> None:
    """Replace whatever the browser held with a new session for ``member``; the session
    it replaces ends on the server too (a copy of its cookie must not outlive it)."""
    replaced = current_record()
    if replaced is not None:
        session_records.end(replaced, SessionEnd.REPLACED)
    session.clear()  # a fresh session: nothing from before sign-in carries over
    login_user(member)
    fresh.mark_authenticated()
    record, token = session_records.open_record(member, method)
    session[SESSION_KEY] = token
    g.session_record = record


def load_member(session_id: str) -> Member | None:
    """The member for a session id ``"<id>:<session version>"``, if the version still
    matches and the cookie's session record is live."""
    member_id, _, version = session_id.partition(":")
    if not member_id.isdigit() or not version.isdigit():
        return None
    member = Member.get_or_none(Member.id == int(member_id))
    if member is None or not member.active or member.session_version != int(version):
        return None
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    record = session_records.live_record(
        token, member.id, Lifetimes.from_config(current_app.config)
    )
    if record is None:
        return None
    g.session_record = record
    return member


def current_record() -> SessionRecord | None:
    """This request's live record, when someone is signed in."""
    return g.get("session_record") if current_user.is_authenticated else None


def sign_out(reason: SessionEnd = SessionEnd.SIGNED_OUT) -> None:
    """End this session on the server, then forget it in the browser."""
    record = current_record()
    if record is not None:
        session_records.end(record, reason)
    logout_user()
    session.clear()


def remember_sso(org_slug: str, id_token: str) -> None:
    """Called by the Okta callback right after ``sign_in``."""
    session_records.remember_sso(current_record(), org_slug, id_token)


def sso_state() -> dict | None:
    """``{"org", "id_token"}`` of this session's Okta sign-in, for Okta's sign-out."""
    record = current_record()
    return session_records.sso_state(record) if record is not None else None
