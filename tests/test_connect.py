"""The Connect Okta wizard over HTTP: entry, gating, each step, resume, audit."""

import re

import pytest

from tests.conftest import PASSWORD, ScimClient, csrf_token
from wizard.domain import accounts
from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, Group, Member, OktaConnection, ScimEvent, ScimToken


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login()
    return client


def post_step(client, slug, data=None):
    token = csrf_token(client.get(f"/connect/okta/{slug}").text)
    return client.post(f"/connect/okta/{slug}", data={**(data or {}), "csrf_token": token})


def test_integrations_lists_okta_with_connect_button(admin_client):
    page = admin_client.get("/integrations").text
    assert "Okta" in page and "Connect Okta" in page


def test_without_enterprise_feature_the_page_says_why_and_wizard_is_403(admin_client, org):
    org.enterprise_enabled = False
    org.save()
    page = admin_client.get("/integrations").text
    assert "Enterprise" in page and "Connect Okta</a>" not in page
    assert admin_client.get("/connect/okta/permissions").status_code == 403


@pytest.mark.parametrize("role", [OrgRole.READ_ONLY, OrgRole.USER])
def test_only_admins_enter_the_wizard(client, auth, org, role):
    accounts.create_local_admin(org, "u@acme.example.com", PASSWORD, role)
    auth.login(email="u@acme.example.com")
    assert client.get("/integrations").status_code == 200
    assert "Connect Okta</a>" not in client.get("/integrations").text
    assert client.get("/connect/okta").status_code == 403
    assert client.get("/connect/okta/sso").status_code == 403


def test_unknown_step_is_404(admin_client):
    assert admin_client.get("/connect/okta/nowhere").status_code == 404


def test_permissions_needs_the_tick_and_then_resumes_at_the_next_step(admin_client):
    refused = post_step(admin_client, "permissions")
    assert refused.status_code == 200 and "Tick the box to confirm" in refused.text
    assert post_step(admin_client, "permissions", {"confirm": "y"}).headers["Location"] == (
        "/connect/okta/apps"
    )
    assert admin_client.get("/connect/okta").headers["Location"] == "/connect/okta/apps"
    stepper = admin_client.get("/connect/okta/apps").text
    assert re.search(r'step-done">\s*<a href="/connect/okta/permissions"', stepper)
    assert 'aria-current="step"' in stepper
    event = AuditEvent.get(AuditEvent.action == "wizard.step_completed")
    assert event.details == {"step": "permissions"}


def test_apps_step_shows_redirect_uris_from_public_base_url(admin_client):
    page = admin_client.get("/connect/okta/apps").text
    assert "http://127.0.0.1:5000/login/okta/acme/callback" in page
    assert "http://127.0.0.1:5000/login/okta/acme/signed-out" in page
    assert "logo.svg" in page


def test_sso_step_shows_errors_next_to_fields(admin_client, discovery_server):
    response = post_step(
        admin_client,
        "sso",
        {
            "okta_domain": discovery_server.url + "/missing",
            "client_id": "bad id",
            "email_domain": "acme",
        },
    )
    assert response.status_code == 400
    # Every format problem at once; the issuer is fetched only when the fields are right.
    assert 'id="client_id-error"' in response.text and 'id="email_domain-error"' in response.text
    response = post_step(
        admin_client,
        "sso",
        {
            "okta_domain": discovery_server.url + "/missing",
            "client_id": "0oa1",
            "email_domain": "acme.com",
        },
    )
    assert 'id="okta_domain-error"' in response.text and "(404)" in response.text


def test_sso_step_saves_and_never_shows_the_secret(admin_client, discovery_server):
    response = post_step(
        admin_client,
        "sso",
        {
            "okta_domain": discovery_server.url,
            "client_id": "0oa1",
            "client_secret": "very-secret-value-9876",
            "email_domain": "acme.example.com",
        },
    )
    assert response.headers["Location"] == "/connect/okta/credentials"
    page = admin_client.get("/connect/okta/sso").text
    assert "very-secret-value-9876" not in page and "…9876" in page
    assert OktaConnection.get().pending_sso is not None  # saved, pending its test sign-in
    assert AuditEvent.get(AuditEvent.action == "sso.settings_saved").details["changed"]


def test_token_is_shown_once_and_regeneration_needs_confirmation(admin_client, live_server):
    page = admin_client.get("/connect/okta/credentials").text
    response = admin_client.post(
        "/connect/okta/credentials/token", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="scim-token"[^>]*>(okcs_[^<]+)<', response.text)[1]
    assert "Copy this token now" in response.text
    again = admin_client.get("/connect/okta/credentials").text
    assert token not in again and ScimToken.get().prefix in again
    refused = admin_client.post(
        "/connect/okta/credentials/token", data={"csrf_token": csrf_token(again)}
    )
    assert refused.status_code == 302 and ScimToken.select().count() == 1
    rotated = admin_client.post(
        "/connect/okta/credentials/token", data={"csrf_token": csrf_token(again), "confirm": "y"}
    )
    new = re.search(r'id="scim-token"[^>]*>(okcs_[^<]+)<', rotated.text)[1]
    endpoint = re.search(r'id="scim-url"[^>]*>([^<]+)<', rotated.text)[1]
    key = endpoint.rsplit("/", 1)[1]
    for each in (token, new):  # the old token keeps working through the grace period
        assert ScimClient(f"{live_server.url}/scim/v2/{key}", each).get("/Users").status_code == 200
    assert AuditEvent.get(AuditEvent.action == "scim.token_rotated")


def test_self_test_passes_and_leaves_nothing_behind(admin_client, db):
    page = admin_client.get("/connect/okta/credentials").text
    before = (
        Member.select().count(),
        Group.select().count(),
        ScimToken.select().count(),
        ScimEvent.select().count(),
    )
    response = admin_client.post("/connect/okta/self-test", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert "Self-test: 6 of 6 passed" in response.text
    after = (
        Member.select().count(),
        Group.select().count(),
        ScimToken.select().count(),
        ScimEvent.select().count(),
    )
    assert after == before


def test_self_test_reports_a_failure_in_plain_words(admin_client, org, db):
    org.seat_limit = 1  # the admin holds the only seat
    org.save()
    page = admin_client.get("/connect/okta/credentials").text
    response = admin_client.post("/connect/okta/self-test", data={"csrf_token": csrf_token(page)})
    assert "Failed (403)" in response.text and "License limit of 1 seats reached" in response.text


def test_live_status_turns_verified_on_an_authenticated_request(admin_client, app, scim):
    assert admin_client.get("/connect/okta/live.json").json["provisioning"]["verified"] is False
    ScimClient(scim.base, "wrong").get("/Users")
    failed = admin_client.get("/connect/okta/live.json").json["provisioning"]
    assert failed["failed_at"] and not failed["verified"]
    scim.get("/Users")
    status = admin_client.get("/connect/okta/live.json").json
    assert (
        status["provisioning"]["verified"] is True and status["provisioning"]["failed_at"] is None
    )


def test_steps_show_users_groups_and_warnings_okta_sent(admin_client, scim):
    user = scim.create_user("not-an-email-user", emails=[{"value": "n@acme.example.com"}])
    scim.post(
        "/Groups",
        {
            "displayName": "Pushed",
            "members": [{"value": user["id"]}, {"value": "ghost", "display": "g"}],
        },
    )
    scim.put(f"/Users/{user['id']}", {**user, "password": "synced-password"})
    assert "Test User" in admin_client.get("/connect/okta/assign").text
    push = admin_client.get("/connect/okta/push").text
    assert "Pushed" in push and "member(s) we never received" in push
    settings = admin_client.get("/connect/okta/settings").text
    assert "username that is not an email" in settings and "turn Sync Password off" in settings


def test_checklist_is_saved(admin_client):
    post_step(admin_client, "settings", {"create_users": "y", "sync_password_off": "y"})
    state = OktaConnection.get().wizard_state
    assert state["checklist"]["create_users"] and not state["checklist"]["update_attributes"]
    page = admin_client.get("/connect/okta/settings").text
    assert re.search(r'<input[^>]*checked[^>]*id="create_users"', page)
    assert not re.search(r'<input[^>]*checked[^>]*id="update_attributes"', page)


def test_finish_activates_and_leads_to_team(admin_client):
    response = post_step(admin_client, "finish")
    assert response.headers["Location"] == "/team/users"
    connection = OktaConnection.get()
    assert connection.status == "active" and connection.activated_at
    assert "Reopen the setup" in admin_client.get("/integrations").text
    card = admin_client.get("/integrations/okta").text
    assert "Reopen the setup" in card and "Guided setup" in card
    assert "/scim/v2/" in card and "/login/okta/acme/callback" in card


def test_wizard_posts_need_csrf(admin_client):
    assert admin_client.post("/connect/okta/permissions", data={"confirm": "y"}).status_code == 400
    assert admin_client.post("/connect/okta/self-test").status_code == 400


def test_password_only_counts_as_a_key_not_a_word(admin_client, scim):
    """A title mentioning passwords is not Okta's Sync Password; a password key is."""
    user = scim.create_user("pw@acme.example.com")
    scim.put(f"/Users/{user['id']}", {**user, "title": "Password reset lead"})
    assert OktaConnection.get().scim_health.password_push_seen_at is None
    scim.patch(f"/Users/{user['id']}", [{"op": "replace", "path": "password", "value": "x1"}])
    assert OktaConnection.get().scim_health.password_push_seen_at is not None


def test_a_leaked_token_stops_at_once_not_in_24_hours(admin_client, client, auth, org, live_server):
    """Attack: the token leaked (or the IT person who made it with a setup link kept a
    copy). Rotating leaves it working for the 24-hour grace period, and the app had no
    way to stop it sooner: the table's revoke_scim_tokens had no page. An
    EnterpriseAdmin revokes that one token from the credentials step; an Admin cannot."""
    page = admin_client.get("/connect/okta/credentials").text
    first = admin_client.post(
        "/connect/okta/credentials/token", data={"csrf_token": csrf_token(page)}
    )
    leaked = re.search(r'id="scim-token"[^>]*>(okcs_[^<]+)<', first.text)[1]
    key = re.search(r'id="scim-url"[^>]*>([^<]+)<', first.text)[1].rsplit("/", 1)[1]
    admin_client.post(
        "/connect/okta/credentials/token", data={"csrf_token": csrf_token(page), "confirm": "y"}
    )
    old, new = ScimToken.select().order_by(ScimToken.id)
    scim = ScimClient(f"{live_server.url}/scim/v2/{key}", leaked)
    assert scim.get("/Users").status_code == 200  # the grace period
    page = admin_client.get("/connect/okta/credentials").text
    action = f"/connect/okta/credentials/tokens/{old.id}/revoke"
    assert action in page
    admin_client.post("/logout", data={"csrf_token": csrf_token(page)})
    accounts.create_local_admin(org, "plain.admin@acme.example.com", PASSWORD, OrgRole.ADMIN)
    auth.login(email="plain.admin@acme.example.com")
    own = csrf_token(client.get("/account").text)
    assert client.post(action, data={"csrf_token": own}).status_code == 403
    assert scim.get("/Users").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    auth.login()
    revoked = client.post(action, data={"csrf_token": csrf_token(client.get("/account").text)})
    assert revoked.status_code == 302
    assert scim.get("/Users").status_code == 401
    assert ScimToken.get_by_id(new.id).revoked_at is None
    assert AuditEvent.get(AuditEvent.action == "scim.token_revoked").details == {
        "prefix": old.prefix
    }
