"""A SCIM token verified once is remembered (wizard/scim/verified_tokens.py), and every
change that could make it invalid is seen on the next request: revocation, rotation,
expiry, the connection's key, the organization's entitlement. Changes are made the way
another process would make them (plain SQL on another connection), so nothing in this
process is told."""

import sqlite3
from contextlib import closing
from datetime import timedelta

import psycopg
import pytest
import requests

from tests.conftest import LiveServer, issue_scim_client
from tests.query_counter import statements
from wizard.db import database, is_sqlite, upgrade
from wizard.domain.organizations import create_organization
from wizard.models import ScimHealth, ScimToken, utcnow
from wizard.scim import verified_tokens


def get(scim, token=None):
    headers = {"Authorization": f"Bearer {token or scim.token}"}
    return requests.get(scim.base + "/Users", headers=headers, timeout=10)


def as_another_process(sql: str, params=()):
    """One statement on a connection of its own, committed, as another process's."""
    if is_sqlite():
        with closing(sqlite3.connect(database.obj.database)) as connection, connection:
            connection.execute(sql.replace("%s", "?"), params)
        return
    with psycopg.connect(POSTGRES["url"], autocommit=True) as connection:
        connection.execute(sql, params)


POSTGRES = {}  # the URL of the PostgreSQL test's schema, for as_another_process


@pytest.fixture
def remembered(scim, db):
    """The test's token, verified once: remembered from now on."""
    assert get(scim).status_code == 200
    with statements() as seen:
        assert get(scim).status_code == 200
    assert not [sql for sql in seen if '"scim_token"' in sql and sql.startswith("SELECT")], (
        "a remembered token was verified again"
    )
    return scim


def test_a_remembered_token_is_refused_once_revoked(remembered):
    as_another_process("UPDATE scim_token SET revoked_at = %s", (utcnow(),))
    assert get(remembered).status_code == 401


def test_a_remembered_token_is_refused_once_its_grace_period_ends(remembered):
    as_another_process("UPDATE scim_token SET expires_at = %s", (utcnow() - timedelta(seconds=1),))
    assert get(remembered).status_code == 401


def test_a_remembered_token_is_refused_once_deleted(remembered):
    as_another_process("DELETE FROM scim_token")
    assert get(remembered).status_code == 401


def test_a_remembered_token_is_refused_at_its_old_address(remembered):
    as_another_process("UPDATE okta_connection SET scim_key = %s", ("rekeyed0000000000000",))
    assert get(remembered).status_code == 401


def test_an_entitlement_turned_off_is_seen_at_once(remembered):
    as_another_process("UPDATE organization SET enterprise_enabled = %s", (False,))
    response = get(remembered)
    assert response.status_code == 403 and "Enterprise feature is off" in response.text


def test_a_seat_limit_change_is_seen_at_once(remembered):
    """The organization a remembered token brings along is never older than the last
    change to it: a lowered seat limit refuses the next create."""
    as_another_process("UPDATE organization SET seat_limit = %s", (0,))
    response = remembered.post(
        "/Users",
        {
            "userName": "over@acme.example.com",
            "name": {"givenName": "O", "familyName": "V"},
            "emails": [{"value": "over@acme.example.com", "primary": True}],
        },
    )
    assert response.status_code == 403 and "License limit" in response.json()["detail"]


def test_a_wrong_token_is_never_remembered(remembered):
    """Each wrong token is verified and noted as a failure, however often it comes."""
    for _ in range(3):
        ScimHealth.update(last_auth_failure_at=None).execute()
        assert get(remembered, "okcs_wrong").status_code == 401
        assert ScimHealth.get().last_auth_failure_at is not None


def test_last_use_is_still_recorded(app, remembered):
    """A remembered token still records when it was last used (at a minute's resolution)."""
    ScimToken.update(last_used_at=utcnow() - timedelta(minutes=5)).execute()
    ScimHealth.update(last_request_at=None).execute()
    app.extensions[verified_tokens.EXTENSION].entries.clear()  # forget: the old time is read
    assert get(remembered).status_code == 200
    assert get(remembered).status_code == 200
    assert utcnow() - ScimToken.get().last_used_at < timedelta(minutes=1)
    assert ScimHealth.get().last_request_at is not None


def test_without_the_triggers_every_request_is_verified(app, scim, db):
    """A database whose triggers are gone (say a later migration rebuilt a table) makes
    the server verify every request, not trust a token it cannot watch."""
    database.execute_sql("DROP TRIGGER auth_version_scim_token_update")
    assert get(scim).status_code == 200
    with statements() as seen:
        assert get(scim).status_code == 200
    assert [sql for sql in seen if '"scim_token"' in sql and sql.startswith("SELECT")]
    ScimToken.update(revoked_at=utcnow()).execute()  # the very change no trigger sees now
    assert get(scim).status_code == 401


def test_every_trigger_is_in_place_after_upgrading(any_db_app):
    """The triggers exist on both engines once every migration ran (a later migration
    that drops one fails here)."""
    with any_db_app.app_context(), database.connection_context():
        assert verified_tokens.count_triggers() == verified_tokens.TRIGGERS


def test_revocation_from_another_process_on_either_engine(any_db_app):
    """On SQLite and on PostgreSQL (its triggers are PL/pgSQL): remembered, revoked on
    another connection, refused on the next request."""
    POSTGRES["url"] = any_db_app.config["DATABASE_URL"]
    server = LiveServer(any_db_app).start()
    try:
        with any_db_app.app_context(), database.connection_context():
            upgrade()
            organization = create_organization("Acme", "acme", enterprise_enabled=True)
            scim = issue_scim_client(any_db_app, organization, server.url)
        assert [get(scim).status_code for _ in range(2)] == [200, 200]
        as_another_process("UPDATE scim_token SET revoked_at = %s", (utcnow(),))
        assert get(scim).status_code == 401
    finally:
        server.stop()


def test_an_upgrade_makes_the_triggers_a_table_rebuild_dropped(app, db):
    """SQLite drops a table's triggers when a migration rebuilds it (peewee-migrate adding
    a column does): ``db upgrade`` makes them again, and counts the members again."""
    from wizard import db_triggers
    from wizard.db import upgrade

    database.execute_sql("DROP TRIGGER auth_version_okta_connection_update")
    database.execute_sql("DROP TRIGGER member_tally_insert")
    database.execute_sql("UPDATE member_tally SET members = members + 7")  # stale counts
    upgrade()
    assert set(db_triggers.AUTH_TRIGGERS + db_triggers.TALLY_TRIGGERS) <= db_triggers.existing(
        database.obj
    )
    assert (
        database.execute_sql("SELECT count(*) FROM member_tally WHERE members != 0").fetchone()[0]
        == 0
    )
