"""Safe disconnect: convert Okta-managed members to local first (one-time password
links), or deactivate them; tokens revoked, SSO off, history kept."""

import re

import requests

from tests.conftest import csrf_token, enter_setup_link
from wizard.models import AuditEvent, Member, OktaConnection, SetupLink


def test_convert_then_disconnect_keeps_people(client, auth, admin, scim, app):
    app.config["MAIL_BACKEND"] = None  # without mail the link is shown to the EA
    jane = scim.create_user("jane@acme.example.com", title="CTO")
    auth.login()
    page = client.get("/integrations/okta/disconnect").text
    assert "1 member(s) are managed by Okta" in page
    converted = client.post("/integrations/okta/convert", data={"csrf_token": csrf_token(page)})
    assert converted.headers["Cache-Control"] == "no-store"
    link = re.search(r"(http://127\.0\.0\.1:\d+/account/set-password/okcp_[^<]+)<", converted.text)[
        1
    ]
    member = Member.get(Member.scim_id == jane["id"])
    assert (member.managed_by, member.title, member.active) == ("local", "CTO", True)

    page = client.get("/integrations/okta/disconnect").text
    wrong = client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(page), "confirm_name": "nope"},
    )
    assert "Type the organization" in wrong.text and OktaConnection.get().status != "disconnected"
    client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(page), "confirm_name": "ACME"},
    )
    connection = OktaConnection.get()
    assert connection.status == "disconnected" and connection.live_sso is None
    assert (
        requests.get(
            scim.base + "/Users", headers={"Authorization": f"Bearer {scim.token}"}, timeout=10
        ).status_code
        == 401
    )
    assert Member.get_by_id(member.id).active  # converted: kept
    assert AuditEvent.get(AuditEvent.action == "okta.disconnected").details == {"deactivated": 0}

    other = app.test_client()
    path = link.split("127.0.0.1", 1)[1].split("/", 1)[1]
    form = other.get(f"/{path}")
    assert "Set your password" in form.text
    new = "a fresh local password"
    other.post(
        f"/{path}", data={"csrf_token": csrf_token(form.text), "new_password": new, "confirm": new}
    )
    assert other.get(f"/{path}").status_code == 410  # one time only
    from wizard.domain import accounts

    assert accounts.authenticate("jane@acme.example.com", new).id == member.id


def test_disconnect_without_converting_deactivates_okta_members(client, auth, admin, scim):
    jane = scim.create_user("jane@acme.example.com")
    auth.login()
    page = client.get("/integrations/okta/disconnect").text
    client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(page), "confirm_name": "Acme"},
    )
    gone = Member.get(Member.scim_id == jane["id"])
    assert not gone.active and gone.session_version == 2
    assert Member.get_by_id(admin.id).active  # the local admin stays


def test_convert_one_member_from_their_page(client, auth, admin, scim, app):
    app.config["MAIL_BACKEND"] = None  # without mail the link is shown to the EA
    jane = scim.create_user("jane@acme.example.com")
    auth.login()
    page = client.get(f"/team/users/{jane['id']}").text
    response = client.post(
        f"/team/users/{jane['id']}/convert", data={"csrf_token": csrf_token(page)}
    )
    assert "Copy these links now" in response.text
    assert Member.get(Member.scim_id == jane["id"]).managed_by == "local"


def test_only_enterprise_admins_disconnect(client, auth, org, db):
    from tests.conftest import PASSWORD
    from wizard.domain import accounts
    from wizard.domain.roles import OrgRole

    accounts.create_local_admin(org, "a@acme.example.com", PASSWORD, OrgRole.ADMIN)
    auth.login(email="a@acme.example.com")
    assert client.get("/integrations/okta/disconnect").status_code == 403


def test_a_setup_link_cannot_reconnect_scim_after_disconnect(client, auth, admin, scim, app):
    """Attack: the IT person's setup link (7 days) outlives a disconnect. With no live
    token left, the link's 'first token' was allowed again: the holder minted a SCIM token
    and deactivated (or took over) the members the EnterpriseAdmin had just converted to
    local management. A setup link makes the connection's first token only."""
    jane = scim.create_user("jane@acme.example.com")
    auth.login()
    page = client.get("/integrations/okta/setup-links")
    created = client.post(
        "/integrations/okta/setup-links",
        data={"csrf_token": csrf_token(page.text), "label": "Sam from IT", "days": "7"},
    )
    link = re.search(r'id="setup-link"[^>]*>(http[^<]+)<', created.text)[1]
    page = client.get("/integrations/okta/disconnect").text
    client.post("/integrations/okta/convert", data={"csrf_token": csrf_token(page)})
    client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(page), "confirm_name": "Acme"},
    )
    assert OktaConnection.get().status == "disconnected"
    it_person = app.test_client()
    opened = it_person.get("/" + link.split("/", 3)[-1])
    assert opened.status_code == 410  # disconnect revoked the link (and would refuse it)
    credentials = it_person.get("/connect/okta/credentials")
    minted = it_person.post(
        "/connect/okta/credentials/token",
        data={"csrf_token": csrf_token(credentials.text)} if credentials.status_code == 200 else {},
    )
    token = re.search(r"(okcs_[A-Za-z0-9_-]{20,})", minted.text)
    if token is not None:  # what the holder can do with it
        requests.patch(
            f"{scim.base}/Users/{jane['id']}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": False}}],
            },
            headers={"Authorization": f"Bearer {token[1]}"},
            timeout=10,
        )
    assert Member.get(Member.scim_id == jane["id"]).active
    assert token is None


def test_disconnect_ends_every_setup_link(client, auth, admin, app):
    """Attack: a setup link lent before the disconnect still opened the wizard afterwards
    and staged SSO settings into the disconnected organization. Disconnect revokes every
    link of the organization; a holder already inside is out on the next request."""
    auth.login()
    page = client.get("/integrations/okta/setup-links")
    created = client.post(
        "/integrations/okta/setup-links",
        data={"csrf_token": csrf_token(page.text), "label": "Sam from IT", "days": "7"},
    )
    link = re.search(r'id="setup-link"[^>]*>(http[^<]+)<', created.text)[1]
    inside = app.test_client()
    enter_setup_link(inside, link)
    assert inside.get("/connect/okta/sso").status_code == 200
    page = client.get("/integrations/okta/disconnect").text
    client.post(
        "/integrations/okta/disconnect",
        data={"csrf_token": csrf_token(page), "confirm_name": "Acme"},
    )
    assert SetupLink.get().revoked_at is not None
    assert inside.get("/connect/okta/sso").status_code == 302  # to sign-in: the link is gone
    assert app.test_client().get("/" + link.split("/", 3)[-1]).status_code == 410
