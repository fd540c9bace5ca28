"""Simulated Okta's provisioning engine against our real SCIM server over HTTP: each
admin action sends Okta's documented sequence (okta-scim.md 3.8 and 4; the shapes of
tests/fixtures/okta_sequences.json) and our directory ends up as Okta's would."""

import pytest

from tests.simulated_okta import PROVISIONING_APP, connect_scim
from wizard.db import database
from wizard.models import Group, Member, Membership
from wizard.simulator import seed

ADA, GRACE, ALAN = (seed.person_id(n) for n in (1, 2, 3))
ENGINEERING = "00gsimengineering01"


@pytest.fixture
def connected(sim_app, sim_server, world, demo):
    connect_scim(sim_app, demo, world, sim_server)
    return world


def sent(exchanges) -> list[tuple[str, str]]:
    """(method, path without the query) of each request, in order."""
    return [(e.method, e.path.partition("?")[0]) for e in exchanges]


def member(email: str) -> Member:
    with database.connection_context():
        return Member.get(Member.email_key == email)


def test_test_connector_configuration_is_okta_s_two_reads(connected):
    exchanges = connected.engine.test_credentials()
    assert [(e.method, e.path, e.status) for e in exchanges] == [
        ("GET", "/Users?startIndex=1&count=2", 200),
        ("GET", "/Groups?startIndex=1&count=100", 200),
    ]


def test_assign_checks_existence_then_creates(connected):
    exchanges = connected.assign(PROVISIONING_APP, user_id=ADA)
    assert sent(exchanges) == [("GET", "/Users"), ("POST", "/Users")]
    assert exchanges[0].path.endswith(
        "filter=userName%20eq%20%22ada.lovelace%40demo.example.com%22&startIndex=1&count=100"
    )
    assert [e.status for e in exchanges] == [200, 201]
    ada = member("ada.lovelace@demo.example.com")
    assert (ada.external_id, ada.title, ada.department) == (ADA, "Chief Engineer", "Engineering")
    assert ada.active and connected.engine.user_links[ADA] == ada.scim_id


def test_an_account_that_exists_is_linked_and_updated_not_created(connected):
    connected.assign(PROVISIONING_APP, user_id=ADA)
    scim_id = connected.engine.user_links.pop(ADA)  # Okta forgot the link (a new app)
    connected.engine.user_states.pop(ADA)
    exchanges = connected.assign(PROVISIONING_APP, user_id=GRACE) + connected.engine.provision(
        connected.person(ADA)
    )
    assert sent(exchanges[2:]) == [
        ("GET", "/Users"),
        ("GET", f"/Users/{scim_id}"),
        ("PUT", f"/Users/{scim_id}"),
    ]
    assert connected.engine.user_links[ADA] == scim_id


def test_a_profile_edit_is_get_then_put_of_the_whole_body(connected):
    connected.assign(PROVISIONING_APP, user_id=ADA)
    exchanges = connected.edit_person(ADA, {"title": "Analytical Engine Lead"})
    scim_id = connected.engine.user_links[ADA]
    assert sent(exchanges) == [("GET", f"/Users/{scim_id}"), ("PUT", f"/Users/{scim_id}")]
    put = exchanges[1].request_body
    assert put["id"] == scim_id and put["title"] == "Analytical Engine Lead"
    assert "password" not in put  # Sync Password is off
    assert member("ada.lovelace@demo.example.com").title == "Analytical Engine Lead"


def test_unassign_deactivates_and_reassign_reactivates_the_same_member(connected):
    connected.assign(PROVISIONING_APP, user_id=ADA)
    scim_id = connected.engine.user_links[ADA]
    off = connected.unassign(PROVISIONING_APP, user_id=ADA)
    assert [(e.method, e.request_body) for e in off] == [
        (
            "PATCH",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": False}}],
            },
        )
    ]
    assert not member("ada.lovelace@demo.example.com").active
    on = connected.assign(PROVISIONING_APP, user_id=ADA)
    assert sent(on) == [("PATCH", f"/Users/{scim_id}")]
    assert on[0].request_body["Operations"][0]["value"] == {"active": True}
    ada = member("ada.lovelace@demo.example.com")
    assert ada.active and ada.scim_id == scim_id


def test_suspension_sends_nothing_and_deactivation_deprovisions(connected):
    connected.assign(PROVISIONING_APP, user_id=ADA)
    assert connected.set_status(ADA, "SUSPENDED") == []
    assert member("ada.lovelace@demo.example.com").active
    connected.set_status(ADA, "ACTIVE")
    assert [e.method for e in connected.set_status(ADA, "DEPROVISIONED")] == ["PATCH"]
    assert not member("ada.lovelace@demo.example.com").active


def test_settings_change_what_is_sent(connected):
    """To App toggles and the username format: what the wizard's checklist asks for."""
    connected.engine.settings.update({"create_users": False})
    assert connected.assign(PROVISIONING_APP, user_id=ADA) == []
    connected.engine.settings.update({"create_users": True, "username_format": "email_prefix"})
    connected.unassign(PROVISIONING_APP, user_id=ADA)
    created = connected.assign(PROVISIONING_APP, user_id=ADA)
    assert created[1].request_body["userName"] == "ada.lovelace"
    connected.engine.settings.update({"sync_password": True})
    update = connected.edit_person(ADA, {"department": "Research"})
    assert "password" in update[1].request_body
    connected.engine.settings.update({"update_attributes": False})
    assert connected.edit_person(ADA, {"department": "Engineering"}) == []
    connected.engine.settings.update({"update_attributes": True, "deactivate_users": False})
    assert connected.unassign(PROVISIONING_APP, user_id=ADA) == []


def group_members(name: str) -> set[str]:
    with database.connection_context():
        group = Group.get(Group.display_name == name)
        query = Member.select(Member.email).join(Membership).where(Membership.group == group)
        return {m.email for m in query}


def test_push_groups_create_add_echo_remove_push_now_and_delete(connected):
    connected.assign(PROVISIONING_APP, group_id=ENGINEERING)  # Ada, Grace, Alan
    pushed = connected.push_group(ENGINEERING)
    group_id = connected.engine.group_links[ENGINEERING]
    assert sent(pushed) == [
        ("GET", "/Groups"),
        ("POST", "/Groups"),
        ("PATCH", f"/Groups/{group_id}"),
        ("PATCH", f"/Groups/{group_id}"),
    ]
    assert pushed[1].request_body["members"] == []
    assert pushed[2].request_body["Operations"][0]["path"] == "members"
    assert pushed[3].request_body["Operations"] == [
        {"op": "replace", "value": {"id": group_id, "displayName": "Engineering"}}
    ]
    emails = {f"{n}@demo.example.com" for n in ("ada.lovelace", "grace.hopper", "alan.turing")}
    assert group_members("Engineering") == emails

    removed = connected.set_group_members(ENGINEERING, [ADA, GRACE])
    alan_scim = connected.engine.user_links[ALAN]
    patch = next(e for e in removed if e.path == f"/Groups/{group_id}")
    assert patch.request_body["Operations"] == [
        {"op": "remove", "path": f'members[value eq "{alan_scim}"]'}
    ]
    assert group_members("Engineering") == emails - {"alan.turing@demo.example.com"}
    assert not member("alan.turing@demo.example.com").active  # left the assigned group

    now = connected.push_now(ENGINEERING)
    assert now[0].request_body["Operations"][0]["op"] == "replace"
    assert len(now[0].request_body["Operations"][0]["value"]) == 2
    gone = connected.unlink_group(ENGINEERING, delete=True)
    assert [(e.method, e.status) for e in gone] == [("DELETE", 204)]
    with database.connection_context():
        assert not Group.select().where(Group.display_name == "Engineering").exists()


def test_put_for_everything_apps_send_put(connected):
    connected.engine.settings.update({"put_for_everything": True})
    connected.assign(PROVISIONING_APP, group_id=ENGINEERING)
    scim_id = connected.engine.user_links[ADA]
    pushed = connected.push_group(ENGINEERING)
    assert [e.method for e in pushed] == ["GET", "POST", "PUT"]
    assert len(pushed[2].request_body["members"]) == 3
    off = connected.set_status(ADA, "DEPROVISIONED")
    assert sent(off) == [("GET", f"/Users/{scim_id}"), ("PUT", f"/Users/{scim_id}")]
    assert off[1].request_body["active"] is False
    assert not member("ada.lovelace@demo.example.com").active


def test_the_log_keeps_each_request_and_our_answer(connected):
    connected.assign(PROVISIONING_APP, user_id=ADA)
    latest = connected.engine.log[0]
    assert latest["method"] == "POST" and latest["status"] == 201
    assert latest["response_body"]["userName"] == "ada.lovelace@demo.example.com"
    assert latest["request_body"]["externalId"] == ADA


def test_only_this_machine_is_sent_to(world):
    """The simulator is a development tool: it never sends our visitor's pasted URL
    anywhere but a loopback address."""
    world.engine.settings.update({"base_url": "https://scim.example.com/scim/v2", "token": "t"})
    exchanges = world.engine.test_credentials()
    assert all(e.status is None and "this machine only" in e.error for e in exchanges)


def test_the_wizard_checklist_reacts_to_the_simulated_settings(sim_app, connected, demo):
    """Step 5's warnings come from what Okta sent: a username format that is not Email,
    Sync Password on."""
    from tests.conftest import csrf_token

    connected.engine.settings.update({"username_format": "email_prefix", "sync_password": True})
    connected.assign(PROVISIONING_APP, user_id=ADA)
    connected.edit_person(ADA, {"title": "Countess"})
    client = sim_app.test_client()
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "email": demo.admin.email,
            "password": demo.password,
            "csrf_token": csrf_token(page.text),
        },
    )
    settings = client.get("/connect/okta/settings").text
    assert "arrived with a username that is not an email" in settings
    assert "Okta sent a password in an update" in settings


@pytest.mark.parametrize("mode", ["bearer", "header", "basic"])
def test_each_authentication_mode_okta_offers_reaches_our_server(connected, mode):
    """Okta's Authentication Modes (HTTP Header, Header, Basic with the connection key
    as the user name): each gets in; a wrong Basic user name does not."""
    settings = connected.engine.settings
    key = settings.base_url.rstrip("/").rsplit("/", 1)[-1]
    settings.update({"auth_mode": mode, "username": key})
    assert [e.status for e in connected.engine.test_credentials()] == [200, 200]
    if mode == "basic":
        settings.update({"username": "someone-else"})
        assert [e.status for e in connected.engine.test_credentials()] == [401, 401]
