"""A connection's focused tables (issue 16): one row of each with every connection, read
without extra queries on the SCIM path, saved without writing back stale values, and the
sync lease still taken by one conditional UPDATE. On SQLite and, in its lane, PostgreSQL."""

import threading
from datetime import datetime, timedelta

import pytest

from tests.query_counter import statements
from wizard.db import database
from wizard.domain import connections
from wizard.domain.organizations import create_organization
from wizard.models import (
    CONNECTION_PARTS,
    OktaApiConnection,
    OktaConnection,
    ScimHealth,
    SignInPolicy,
    SyncLease,
    SyncSettings,
)
from wizard.sync import runs


@pytest.fixture
def conn(any_db_app):
    with any_db_app.app_context(), database.connection_context():
        yield any_db_app


def test_a_new_connection_has_one_row_of_every_part(conn):
    """``ensure_connection`` makes each part's row at once: a reader never finds none,
    and reading them afterwards inserts nothing."""
    acme = connections.ensure_connection(create_organization("Acme", "acme"))
    connections.ensure_connection(create_organization("Globex", "globex"))
    for model in CONNECTION_PARTS:
        assert model.select().where(model.connection == acme).count() == 1, model
        assert model.select().count() == 2, model
    fresh = OktaConnection.get_by_id(acme.id)
    with statements() as seen:
        parts = (fresh.scim_health, fresh.sign_in_policy, fresh.api, fresh.sync_settings)
        again = (fresh.scim_health, fresh.sign_in_policy, fresh.api, fresh.sync_settings)
    assert [p.connection_id for p in parts] == [acme.id] * 4
    assert all(a is p for a, p in zip(again, parts, strict=True))  # read once per instance
    assert len(seen) == 4 and all(sql.lstrip().upper().startswith("SELECT") for sql in seen)


def test_a_missing_part_row_is_made_when_read(conn):
    """A connection whose row of a part is missing (inserted without ``save``) gets one
    with the defaults on first read, instead of an error."""
    connection = connections.ensure_connection(create_organization("Acme", "acme"))
    SignInPolicy.delete().execute()
    policy = OktaConnection.get_by_id(connection.id).sign_in_policy
    assert (policy.sso_enforced, policy.jit_enabled, policy.break_glass_id) == (False, False, None)
    assert SignInPolicy.select().count() == 1


def test_a_scim_request_reads_its_health_in_the_token_query(conn):
    """The SCIM path's one query (token, connection, organization) brings the health row
    along: noting the request's time costs an UPDATE at most once a minute and never a
    SELECT of its own."""
    connection = connections.ensure_connection(create_organization("Acme", "acme"))
    _, plaintext = connections.issue_scim_token(connection)

    def one_request() -> list[str]:
        with statements() as seen:
            found, token = connections.authenticate(connection.scim_key, plaintext)
            connections.note_token_use(token, found, "192.0.2.1")
        return seen

    first, second = one_request(), one_request()
    assert len(first) == 3, first  # the read, the token's and the health's UPDATE
    assert sum('"scim_health"' in sql for sql in first) == 2, first
    assert len(second) == 1, second  # within the minute: the read, nothing written
    assert ScimHealth.get().last_request_at is not None


def test_saving_a_connection_never_writes_back_a_part_it_only_read(conn):
    """The misuse the split must not bring: a page reads the connection's SCIM health,
    a SCIM request counts a throttled request meanwhile, then the page saves the
    connection. Only the columns the page changed are written."""
    connection = connections.ensure_connection(create_organization("Acme", "acme"))
    page = OktaConnection.get_by_id(connection.id)
    assert page.scim_health.throttled_requests == 0  # read for display
    connections.note_throttled(page, "192.0.2.7")  # another request, its own UPDATE
    page.sync_settings.paused_at = datetime(2026, 3, 1, 12, 0)
    with statements() as seen:
        page.save()
    assert not [sql for sql in seen if '"scim_health"' in sql], seen
    assert ScimHealth.get().throttled_requests == 1
    assert SyncSettings.get().paused_at == datetime(2026, 3, 1, 12, 0)


def test_deleting_a_connection_deletes_its_parts(conn):
    """Each part belongs to its connection (ON DELETE CASCADE): none outlives it."""
    connection = connections.ensure_connection(create_organization("Acme", "acme"))
    connections.ensure_connection(create_organization("Globex", "globex"))
    OktaConnection.delete().where(OktaConnection.id == connection.id).execute()
    for model in CONNECTION_PARTS:
        assert [row.connection_id for row in model.select()] != [connection.id], model
        assert model.select().count() == 1, model


def test_the_lease_is_taken_by_one_conditional_update(conn):
    """Taking the lease is one UPDATE of ``sync_lease`` with the condition inside (no
    read first that another scheduler could race); a held lease refuses, a lapsed one
    is taken over."""
    organization = create_organization("Acme", "acme")
    connections.ensure_connection(organization)
    now = datetime(2026, 3, 1, 3, 0)
    with statements() as seen:
        assert runs.take_lease(organization.id, "scheduler-a", now)
    assert len(seen) == 1 and seen[0].lstrip().upper().startswith('UPDATE "SYNC_LEASE"')
    assert not runs.take_lease(organization.id, "scheduler-b", now + timedelta(seconds=30))
    assert SyncLease.get().owner == "scheduler-a"
    assert runs.take_lease(organization.id, "scheduler-b", now + runs.LEASE + timedelta(1))
    assert SyncLease.get().owner == "scheduler-b"


def test_of_many_takers_at_once_exactly_one_gets_the_lease(conn):
    """Eight threads, each with its own database connection, take the lease at the same
    moment: exactly one wins, whatever the interleaving."""
    organization = create_organization("Acme", "acme")
    connections.ensure_connection(organization)
    now = datetime(2026, 3, 1, 3, 0)
    start, results = threading.Barrier(8, timeout=30), []

    def take(owner: str) -> None:
        with database.connection_context():
            start.wait()
            results.append((owner, runs.take_lease(organization.id, owner, now)))

    threads = [threading.Thread(target=take, args=(f"s{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    winners = [owner for owner, won in results if won]
    assert len(results) == 8 and len(winners) == 1, results
    assert SyncLease.get().owner == winners[0]


def test_another_organizations_lease_is_untouched(conn):
    """The lease condition names the organization: Globex's sync never takes, renews or
    releases Acme's lease."""
    acme, globex = create_organization("Acme", "acme"), create_organization("Globex", "globex")
    for organization in (acme, globex):
        connections.ensure_connection(organization)
    now = datetime(2026, 3, 1, 3, 0)
    assert runs.take_lease(acme.id, "a", now) and runs.take_lease(globex.id, "g", now)
    runs.release(globex.id, "g")
    runs.release(globex.id, "a")  # not Globex's owner: nothing happens
    owners = {lease.connection.organization_id: lease.owner for lease in SyncLease.select()}
    assert owners == {acme.id: "a", globex.id: ""}


def test_the_scheduler_reads_due_connections_with_their_settings(conn):
    """``queue_due_runs`` finds connected, unpaused connections in one query that brings
    their sync settings along (no query per organization for its daily time)."""
    for slug, paused in (("acme", None), ("globex", datetime(2026, 2, 1))):
        connection = connections.ensure_connection(create_organization(slug.title(), slug))
        OktaApiConnection.update(token="gAAAA-encrypted").where(
            OktaApiConnection.connection == connection
        ).execute()
        SyncSettings.update(paused_at=paused).where(SyncSettings.connection == connection).execute()
    with statements() as seen:
        queued = runs.queue_due_runs(datetime(2026, 3, 1, 4, 0))
    assert [run.organization.slug for run in queued] == ["acme"]
    assert not [
        sql for sql in seen if sql.lstrip().startswith("SELECT") and 'FROM "sync_settings"' in sql
    ], seen


def test_disconnect_clears_enforcement_and_credentials_of_that_connection_only(conn):
    """Disconnecting writes each part's own table: SSO no longer required, no API
    credential left; the other organization's parts are untouched."""
    from wizard.domain.accounts import create_local_admin
    from wizard.domain.disconnect import disconnect
    from wizard.domain.roles import OrgRole
    from wizard.security import encrypt_secret

    acme, globex = create_organization("Acme", "acme"), create_organization("Globex", "globex")
    admin = create_local_admin(acme, "admin@acme.example.com", "x" * 16, OrgRole.ENTERPRISE_ADMIN)
    for organization in (acme, globex):
        connection = connections.ensure_connection(organization)
        connection.sign_in_policy.sso_enforced = True
        connection.api.token, connection.api.token_hint = encrypt_secret("00-token"), "…oken"
        connection.save()
    disconnect(acme, confirm_name="Acme", actor=admin)
    after = {
        c.organization_id: (c.status, c.sign_in_policy.sso_enforced, c.api.token, c.api.token_hint)
        for c in OktaConnection.select()
    }
    assert after[acme.id] == ("disconnected", False, "", "")
    assert after[globex.id][:2] == ("setup", True) and after[globex.id][3] == "…oken"
