"""Sessions that really end: a server-side record per sign-in, checked on every request.

Each attack replays what a thief would hold (a copied cookie) or looks inside what the
browser keeps, over the real routes; the clock is moved through stored timestamps and
settings, never by waiting.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import PASSWORD, Auth, csrf_token
from tests.test_sso import configure, crafted, jane, round_trip  # noqa: F401 (fixtures)
from wizard.domain import accounts
from wizard.models import Member, SessionRecord, SignInState, utcnow
from wizard.sync import jobs


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """Another browser holding a copy of ``cookie``."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def cookie_contents(app, client) -> dict:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(session_cookie(client))


def provider_answer(start) -> str:
    """Our callback path with the provider's answer to the request ``start`` sent."""
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    return f"{callback.path}?{callback.query}"


def finish(client, start):
    return client.get(provider_answer(start))


def sign_out(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})


def test_copied_cookie_is_refused_after_sign_out(app, client, auth, admin):
    """Attack: copy the session cookie, let its owner sign out, replay the copy from
    another browser. The sign-out ended the session on the server: the copy is refused."""
    auth.login()
    copied = session_cookie(client)
    assert replay(app, copied).get("/account").status_code == 200  # the copy works before
    sign_out(client)
    assert replay(app, copied).get("/account").status_code == 302
    record = SessionRecord.get(SessionRecord.member == admin.id)
    assert record.ended_at is not None and record.end_reason == "signed_out"


def test_copied_okta_cookie_is_refused_after_sign_out(app, client, crafted, jane):  # noqa: F811
    """The same attack on an Okta sign-in, whose sign-out goes on to Okta's end-session."""
    round_trip(client)
    copied = session_cookie(client)
    assert sign_out(client).status_code == 302
    assert replay(app, copied).get("/account").status_code == 302


def test_id_token_and_sign_in_state_stay_out_of_the_cookie(app, client, crafted, jane):  # noqa: F811
    """Attack: read the (signed, not encrypted) cookie. Neither the PKCE verifier and
    nonce of a sign-in under way nor the ID token afterwards are in it."""
    start = client.get("/login/okta/acme")
    assert start.status_code == 302
    during = str(cookie_contents(app, client))
    assert "code_verifier" not in during and "nonce" not in during
    assert SignInState.select().count() == 1  # kept on the server instead
    finish(client, start)
    after = cookie_contents(app, client)
    assert "sso" not in after
    assert "id_token" not in str(after) and "eyJ" not in str(after)
    assert SignInState.select().count() == 0  # used once, then gone
    record = SessionRecord.get(SessionRecord.member == jane.id)
    assert record.method == "okta" and record.okta_org == "acme"
    assert record.id_token and "eyJ" not in record.id_token  # encrypted at rest


def test_sign_in_state_cannot_be_completed_in_another_browser(app, client, crafted, jane):  # noqa: F811
    """The state row on the server is bound to the browser that started: a callback URL
    replayed from another browser signs nobody in."""
    start = client.get("/login/okta/acme")
    answer = provider_answer(start)
    other = app.test_client()
    assert other.get(answer).status_code == 400
    assert other.get("/account").status_code == 302
    assert client.get(answer).status_code == 400  # and the state is used up


def test_idle_session_ends(app, client, auth, admin):
    """A session unused for longer than SESSION_IDLE_HOURS (default 12) is refused."""
    auth.login()
    SessionRecord.update(last_seen_at=utcnow() - timedelta(hours=11)).execute()
    assert client.get("/account").status_code == 200
    SessionRecord.update(last_seen_at=utcnow() - timedelta(hours=12, minutes=1)).execute()
    assert client.get("/account").status_code == 302
    assert SessionRecord.get().end_reason == "idle"


def test_absolute_lifetime_ends_even_a_busy_session(app, client, auth, admin):
    """A session older than SESSION_MAX_DAYS (default 7) ends, however recently used."""
    auth.login()
    SessionRecord.update(created_at=utcnow() - timedelta(days=7, minutes=1)).execute()
    assert client.get("/account").status_code == 302
    assert SessionRecord.get().end_reason == "expired"


def test_lifetimes_follow_the_settings(app, client, auth, admin):
    """SESSION_IDLE_HOURS and SESSION_MAX_DAYS change the limits."""
    app.config.update(SESSION_IDLE_HOURS=1, SESSION_MAX_DAYS=30)
    auth.login()
    SessionRecord.update(created_at=utcnow() - timedelta(days=20)).execute()
    assert client.get("/account").status_code == 200
    SessionRecord.update(last_seen_at=utcnow() - timedelta(minutes=61)).execute()
    assert client.get("/account").status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(app, client, auth, admin):
    """Every request checks the record; only a request a minute after the last write
    moves ``last_seen_at`` (no write per request)."""
    auth.login()
    recent = utcnow() - timedelta(seconds=30)
    SessionRecord.update(last_seen_at=recent).execute()
    client.get("/account")
    assert SessionRecord.get().last_seen_at == recent
    older = utcnow() - timedelta(minutes=2)
    SessionRecord.update(last_seen_at=older).execute()
    client.get("/account")
    assert SessionRecord.get().last_seen_at > older + timedelta(minutes=1)


def test_sign_out_everywhere_ends_every_record(app, client, auth, admin):
    """ "Sign out everywhere" ends every session record of the member, not only this one."""
    other = app.test_client()
    Auth(other).login()
    auth.login()
    assert auth.post("/account/sessions/end").headers["Location"] == "/login"
    assert other.get("/account").status_code == 302
    assert client.get("/account").status_code == 302
    reasons = {r.end_reason for r in SessionRecord.select()}
    assert reasons == {"ended_everywhere"}


def test_password_change_ends_the_other_records(app, client, auth, admin):
    """A password change keeps this session and ends the member's other records."""
    other = app.test_client()
    Auth(other).login()
    copied = session_cookie(other)
    auth.login()
    new = "another long passphrase"
    auth.post(
        "/account/password", {"current_password": PASSWORD, "new_password": new, "confirm": new}
    )
    assert client.get("/account").status_code == 200
    assert replay(app, copied).get("/account").status_code == 302
    live = SessionRecord.select().where(SessionRecord.ended_at.is_null())
    assert live.count() == 1


def test_a_cookie_without_its_record_is_refused(app, client, auth, admin):
    """A cookie naming the member and the right session version, but whose record is
    gone (deleted by housekeeping, or never made), signs nobody in."""
    auth.login()
    SessionRecord.delete().execute()
    assert client.get("/account").status_code == 302


def test_housekeeping_deletes_ended_and_expired_records(app, client, auth, admin):
    """The scheduler tick removes ended and expired records and expired sign-in states;
    live ones stay."""
    auth.login()
    live = SessionRecord.get()
    member = Member.get_by_id(admin.id)
    now = utcnow()
    SessionRecord.create(
        member=member, digest="a" * 64, method="password", ended_at=now, end_reason="signed_out"
    )
    SessionRecord.create(
        member=member, digest="b" * 64, method="password", last_seen_at=now - timedelta(days=1)
    )
    SessionRecord.create(
        member=member, digest="c" * 64, method="password", created_at=now - timedelta(days=8)
    )
    SignInState.create(digest="d" * 64, value="x", expires_at=now - timedelta(minutes=1))
    SignInState.create(digest="e" * 64, value="x", expires_at=now + timedelta(minutes=5))
    with app.app_context():
        report = jobs.housekeeping(now)
    assert report["sessions_removed"] == 3 and report["sign_in_states_removed"] == 1
    assert [r.id for r in SessionRecord.select()] == [live.id]
    assert client.get("/account").status_code == 200


def test_deactivation_still_ends_the_session(app, client, auth, admin):
    """The session version bump stays: deactivating a member refuses their live record."""
    auth.login()
    accounts.end_all_sessions(Member.get_by_id(admin.id))
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("path", ["/account", "/org/"])
def test_signed_out_visitor_makes_no_record(client, db, path):
    """Anonymous visitors get no row: records exist only for sign-ins."""
    client.get(path)
    client.get("/login")
    assert SessionRecord.select().count() == 0


def test_sign_in_state_store_on_both_databases(any_db_app):
    """authlib's cache contract (get/set/delete, a second set replaces) on SQLite and
    PostgreSQL; values are encrypted at rest and expire within ten minutes."""
    from wizard.db import database
    from wizard.sso.oidc_state import LIFETIME, remove_expired, store

    with any_db_app.app_context(), database.connection_context():
        store.set("_state_okta-1_abc", '{"data": {"nonce": "n1"}}', 3600)
        store.set("_state_okta-1_abc", '{"data": {"nonce": "second nonce"}}', 3600)
        assert store.get("_state_okta-1_abc") == '{"data": {"nonce": "second nonce"}}'
        row = SignInState.get()
        # A space never occurs in Fernet's base64: "n2" once did, by chance.
        assert "second nonce" not in row.value and row.expires_at <= utcnow() + LIFETIME
        assert store.get("_state_okta-1_other") is None
        store.delete("_state_okta-1_abc")
        assert store.get("_state_okta-1_abc") is None
        store.set("_state_okta-1_old", "{}", 60)
        SignInState.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
        assert store.get("_state_okta-1_old") is None
        assert remove_expired(utcnow()) == 1


def test_live_sessions_per_member_are_bounded(any_db_app):
    """Signing in again and again (cookies thrown away) cannot grow the table without
    bound: past MAX_LIVE_PER_MEMBER live sessions, a sign-in ends the oldest."""
    from wizard.db import database
    from wizard.domain.organizations import create_organization
    from wizard.domain.session_records import MAX_LIVE_PER_MEMBER, SignInMethod, open_record

    with any_db_app.app_context(), database.connection_context():
        organization = create_organization("Acme", "acme")
        member = accounts.create_local_admin(organization, "a@acme.example.com", PASSWORD)
        first, _ = open_record(member, SignInMethod.PASSWORD)
        for _ in range(MAX_LIVE_PER_MEMBER):
            newest, _ = open_record(member, SignInMethod.PASSWORD)
        live = SessionRecord.select().where(SessionRecord.ended_at.is_null())
        assert live.count() == MAX_LIVE_PER_MEMBER
        assert SessionRecord.get_by_id(first.id).end_reason == "superseded"
        assert SessionRecord.get_by_id(newest.id).ended_at is None


def test_a_sign_in_over_a_session_ends_the_one_it_replaces(app, client, auth, admin, crafted, jane):  # noqa: F811
    """Attack: the admin's cookie was copied; then someone else signs in with Okta in the
    same browser (a shared computer, an Okta tile clicked). The browser now holds Jane's
    session, nobody will ever sign the admin's out, and the copy would stay live until
    its idle lifetime. A sign-in ends the session it replaces."""
    auth.login()
    copied = session_cookie(client)
    assert round_trip(client).status_code == 302  # Jane, through Okta, same browser
    assert replay(app, copied).get("/account").status_code == 302
    record = SessionRecord.get(SessionRecord.member == admin.id)
    assert record.end_reason == "replaced"
