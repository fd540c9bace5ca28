"""Every scenario of Simulated Okta, turned on as its one click does, and what our
product does about it: the error message, the failed migration, the held
deactivations, the retry. Each is put back afterwards and the product recovers."""

import pytest

from tests.conftest import csrf_token, run_sync_now
from tests.simulated_okta import PROVISIONING_APP, SIGN_IN_APP, connect_scim
from tests.simulated_visit import Visitor, configure_sign_in
from wizard.db import database
from wizard.domain.failure_reasons import FailureReason
from wizard.domain.sources import Source
from wizard.models import FailedMigration, Member, OktaConnection, Organization, SyncSettings
from wizard.simulator import scenarios, seed
from wizard.simulator.scenarios import SCENARIOS
from wizard.sync import api_connection

ADA = seed.person_id(1)
ENGINEERING, EVERYONE = "00gsimengineering01", "00gsimeveryone00003"


def test_every_scenario_has_a_test_here():
    """A scenario added to the catalogue without a test of its reaction fails here."""
    tested = {
        name.removeprefix("test_").split("__")[0] for name in globals() if name.startswith("test_")
    }
    assert set(SCENARIOS) <= tested, set(SCENARIOS) - tested


def test_the_console_turns_a_scenario_on_and_back_off(sim_app, world):
    client = sim_app.test_client()
    token = csrf_token(client.get("/simulated-okta/scenarios").text)
    assert client.post("/simulated-okta/scenarios/rate_limits/on").status_code == 400  # CSRF
    assert (
        client.post(
            "/simulated-okta/scenarios/rate_limits/on", data={"csrf_token": token}
        ).status_code
        == 302
    )
    assert "rate_limits" in world.scenarios and world.api.rate_limit_every == 2
    assert "(on)" in client.get("/simulated-okta/scenarios").text
    client.post("/simulated-okta/scenarios/rate_limits/off", data={"csrf_token": token})
    assert world.scenarios == set() and world.api.rate_limit_every == 0
    assert (
        client.post("/simulated-okta/scenarios/nonsense/on", data={"csrf_token": token}).status_code
        == 404
    )


# --- the management API ---------------------------------------------------------------------


@pytest.fixture
def api_org(sim_app, sim_server, world, demo):
    """The demo organization syncing from Simulated Okta with its SSWS token (no SCIM)."""
    world.assign(PROVISIONING_APP, group_id=ENGINEERING)
    with sim_app.app_context(), database.connection_context():
        from wizard.domain import connections

        connection = connections.ensure_connection(demo)
        api_connection.save_api_settings(connection, sim_server.okta_url, world.api.token)
        SyncSettings.update(app_id=PROVISIONING_APP).execute()
    return demo


def test_rate_limits__the_sync_waits_and_retries(sim_app, world, api_org):
    calm = run_sync_now(sim_app, api_org)
    scenarios.turn_on(world, "rate_limits")
    world.set_group_members(ENGINEERING, [*world.api.group_members[ENGINEERING], seed.person_id(4)])
    served_before = len(world.api.calls)
    limited = run_sync_now(sim_app, api_org)
    assert limited.status == "succeeded", limited.error
    assert world.api.rate_limited >= 2  # 429s answered, each waited out and retried
    # Every call Okta answered, its 429s included, is on the run's count; the run needed
    # as many as the calm one but for the groups Okta did not stamp anew.
    assert limited.api_calls == len(world.api.calls) - served_before
    assert limited.api_calls - world.api.rate_limited >= calm.api_calls - len(world.api.groups) + 1
    assert limited.counts["created"] == 1


def test_revoked_token__test_connection_and_the_sync_say_so(
    sim_app, sim_server, world, api_org, demo
):
    scenarios.turn_on(world, "revoked_token")
    with sim_app.app_context(), database.connection_context():
        check = api_connection.check_connection(OktaConnection.get())
    assert not check["ok"]
    failed = run_sync_now(sim_app, api_org)
    assert failed.status == "failed"
    assert "The API token is invalid or expired" in failed.error
    assert "Security > API > Tokens" in failed.error
    visitor = Visitor(sim_server)
    visitor.sign_in(demo.admin.email, demo.password)
    inbox = visitor.get("/team/failed-migrations").text
    assert "The API token is invalid or expired" in inbox  # listed as a connection error
    scenarios.turn_off(world, "revoked_token")
    assert run_sync_now(sim_app, api_org).status == "succeeded"


def test_missing_scope__test_connection_names_it(sim_app, sim_server, world, demo):
    from wizard.domain import connections
    from wizard.sync import service_app_connection, service_app_keys

    world.assign(PROVISIONING_APP, group_id=ENGINEERING)
    with sim_app.app_context(), database.connection_context():
        connection = connections.ensure_connection(demo)
        app = world.api.add_service_app(service_app_keys.create_key_pair(connection))
        connection = OktaConnection.get_by_id(connection.id)
        service_app_connection.save_service_app(connection, sim_server.okta_url, app.client_id)
        SyncSettings.update(app_id=PROVISIONING_APP).execute()
    scenarios.turn_on(world, "missing_scope")
    with sim_app.app_context(), database.connection_context():
        check = api_connection.check_connection(OktaConnection.get())
    assert not check["ok"]
    assert "okta.groups.read" in str(check)
    failed = run_sync_now(sim_app, demo)
    assert failed.status == "failed" and "okta.groups.read" in failed.error
    scenarios.turn_off(world, "missing_scope")
    assert run_sync_now(sim_app, demo).status == "succeeded"


def test_mass_unassignment__the_pull_sync_trips_the_breaker(sim_app, world, api_org):
    """Without SCIM the sync provisions: a mass unassignment is held, none applied."""
    world.assign(PROVISIONING_APP, group_id=EVERYONE)
    first = run_sync_now(sim_app, api_org)
    assert first.status == "succeeded" and first.counts["created"] >= 8
    scenarios.turn_on(world, "mass_unassignment")
    held = run_sync_now(sim_app, api_org)
    assert held.status == "succeeded"
    assert held.counts["held"] == first.counts["created"] and held.counts["deactivated"] == 0
    with database.connection_context():
        assert Member.select().where(Member.managed_by == Source.SYNC, ~Member.active).count() == 0


# --- SCIM: what Okta pushes -------------------------------------------------------------------


@pytest.fixture
def scim_org(sim_app, sim_server, world, demo):
    connect_scim(sim_app, demo, world, sim_server)
    world.assign(PROVISIONING_APP, user_id=ADA)
    return demo


def open_failures(reason: FailureReason) -> list[FailedMigration]:
    with database.connection_context():
        return list(
            FailedMigration.select().where(
                (FailedMigration.reason == reason) & (FailedMigration.status == "open")
            )
        )


def test_duplicate_email__a_failed_migration_and_nothing_overwritten(world, scim_org):
    exchanges = scenarios.turn_on(world, "duplicate_email")
    post = next(e for e in exchanges if e.method == "POST")
    assert post.status == 409 and post.response_body["scimType"] == "uniqueness"
    assert post.request_body["userName"] == "ada.lovelace.contractor@demo.example.com"
    [failure] = open_failures(FailureReason.DUPLICATE_EMAIL)
    assert failure.email == "ada.lovelace@demo.example.com"
    assert failure.user_name == "ada.lovelace.contractor@demo.example.com"
    with database.connection_context():
        ada = Member.get(Member.email_key == "ada.lovelace@demo.example.com")
    assert ada.family_name == "Lovelace" and ada.external_id == ADA
    scenarios.turn_off(world, "duplicate_email")
    assert world.engine.settings.username_format == "email"
    assert not any("contractor" in u["profile"]["login"] for u in world.api.users.values())


def test_seats_exhausted__license_limit_failures(world, scim_org):
    with database.connection_context():
        Organization.update(seat_limit=5).where(Organization.id == scim_org.id).execute()
    exchanges = scenarios.turn_on(world, "seats_exhausted")
    refused = [e for e in exchanges if e.method == "POST" and e.status == 403]
    assert refused, [(e.method, e.status) for e in exchanges]
    assert len(open_failures(FailureReason.LICENSE_LIMIT)) == len(refused)
    with database.connection_context():
        assert Member.select().where(Member.organization == scim_org.id, Member.active).count() == 5
    scenarios.turn_off(world, "seats_exhausted")
    assert scenarios.SEASONAL not in {g["profile"]["name"] for g in world.groups()}


def test_put_for_everything__the_same_results_by_put(world, scim_org):
    scenarios.turn_on(world, "put_for_everything")
    off = world.unassign(PROVISIONING_APP, user_id=ADA)
    assert [e.method for e in off] == ["GET", "PUT"]
    with database.connection_context():
        assert not Member.get(Member.email_key == "ada.lovelace@demo.example.com").active
    back = world.assign(PROVISIONING_APP, user_id=ADA)
    assert [e.method for e in back] == ["GET", "PUT"]
    with database.connection_context():
        assert Member.get(Member.email_key == "ada.lovelace@demo.example.com").active


def test_mass_unassignment__with_scim_each_deactivation_applies_and_reassigning_reactivates(
    world, scim_org
):
    world.assign(PROVISIONING_APP, group_id=ENGINEERING)
    scim_ids = dict(world.engine.user_links)
    off = scenarios.turn_on(world, "mass_unassignment")
    assert {e.method for e in off} == {"PATCH"} and len(off) == len(scim_ids)
    with database.connection_context():
        assert Member.select().where(Member.managed_by == Source.SCIM, Member.active).count() == 0
    scenarios.turn_off(world, "mass_unassignment")
    with database.connection_context():
        active = {
            m.scim_id
            for m in Member.select().where(Member.managed_by == Source.SCIM, Member.active)
        }
    assert active == set(scim_ids.values())  # the same ids, reactivated


# --- sign-in: what the ID tokens say ------------------------------------------------------------


@pytest.fixture
def signing_in(sim_app, sim_server, world, scim_org):
    configure_sign_in(sim_app, scim_org, world, sim_server)
    world.assign(SIGN_IN_APP, user_id=ADA)
    return Visitor(sim_server)


def sign_in_as_ada(visitor):
    return visitor.okta_sign_in(visitor.get("/login/okta/demo"), ADA)


def test_email_unverified__an_unlinked_person_is_refused(world, signing_in):
    scenarios.turn_on(world, "email_unverified")
    refused = sign_in_as_ada(signing_in)
    assert refused.status_code == 403
    assert "Okta did not confirm your email address" in refused.text
    assert signing_in.get("/account").status_code == 302  # nobody signed in
    scenarios.turn_off(world, "email_unverified")
    assert sign_in_as_ada(signing_in).status_code == 302


def test_wrong_audience__the_token_is_refused(world, signing_in):
    scenarios.turn_on(world, "wrong_audience")
    refused = sign_in_as_ada(signing_in)
    assert refused.status_code == 401 and "We could not verify Okta" in refused.text
    assert signing_in.get("/account").status_code == 302


def test_clock_skew__an_expired_token_is_refused(world, signing_in):
    scenarios.turn_on(world, "clock_skew")
    refused = sign_in_as_ada(signing_in)
    assert refused.status_code == 401 and "We could not verify Okta" in refused.text
    scenarios.turn_off(world, "clock_skew")
    world.openid.clock_skew = -30  # within the minute we allow
    assert sign_in_as_ada(signing_in).status_code == 302
