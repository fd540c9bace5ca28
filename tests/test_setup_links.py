"""Setup links: the IT person without an account does the Okta steps (2-7) only."""

import re
from datetime import datetime, timedelta

from tests.conftest import csrf_token, enter_setup_link
from wizard.models import AuditEvent, SetupLink


def make_link(client, auth):
    auth.login()
    page = client.get("/integrations/okta/setup-links")
    created = client.post(
        "/integrations/okta/setup-links",
        data={"csrf_token": csrf_token(page.text), "label": "Sam from IT", "days": "7"},
    )
    assert created.headers["Cache-Control"] == "no-store"
    link = re.search(r'id="setup-link"[^>]*>(http[^<]+)<', created.text)[1]
    client.post("/logout", data={"csrf_token": csrf_token(created.text)})
    return "/" + link.split("/", 3)[-1]


def test_link_opens_the_okta_steps_and_nothing_else(app, client, auth, admin):
    path = make_link(client, auth)
    it_person = app.test_client()
    assert enter_setup_link(it_person, path).headers["Location"] == "/connect/okta/apps"
    for slug in ("apps", "sso", "credentials", "settings", "assign", "push"):
        assert it_person.get(f"/connect/okta/{slug}").status_code == 200, slug
    for denied in ("/connect/okta/permissions", "/connect/okta/finish"):
        assert it_person.get(denied).status_code == 403
    for other in ("/team/users", "/org/settings", "/integrations/okta/setup-links"):
        assert it_person.get(other).status_code in (302, 403)
    token_page = it_person.get("/connect/okta/credentials").text
    made = it_person.post(
        "/connect/okta/credentials/token", data={"csrf_token": csrf_token(token_page)}
    )
    assert "Copy this token now" in made.text
    assert AuditEvent.get(AuditEvent.action == "scim.token_issued").actor_label.startswith(
        "setup link"
    )
    assert AuditEvent.get(AuditEvent.action == "setup_link.used")
    assert SetupLink.get().uses == 1


def test_revoked_and_expired_links_stop_working(app, client, auth, admin):
    path = make_link(client, auth)
    SetupLink.update(expires_at=datetime.utcnow() - timedelta(minutes=1)).execute()
    assert app.test_client().get(path).status_code == 410
    SetupLink.update(expires_at=datetime.utcnow() + timedelta(days=1)).execute()
    it_person = app.test_client()
    enter_setup_link(it_person, path)
    auth.login()
    page = client.get("/integrations/okta/setup-links").text
    client.post(
        f"/integrations/okta/setup-links/{SetupLink.get().id}/revoke",
        data={"csrf_token": csrf_token(page)},
    )
    assert it_person.get("/connect/okta/apps").status_code == 302  # the session ends too


def test_expired_links_are_cleaned_up(db, org):
    from wizard.domain import setup_links

    SetupLink.create(
        organization=org, digest="x" * 64, expires_at=datetime.utcnow() - timedelta(days=1)
    )
    assert setup_links.remove_expired(datetime.utcnow()) == 1


def test_signed_in_visit_asks_before_replacing_the_session(app, client, auth, admin):
    """Attack: a setup link sent to a signed-in admin must not silently sign them out
    and into the link's session. The visit asks first and changes nothing."""
    path = make_link(client, auth)
    auth.login()
    asked = client.get(path)
    assert asked.status_code == 200
    assert "You are signed in as admin@acme.example.com" in asked.text
    assert "opening this setup link signs you out here" in asked.text
    assert client.get("/account").status_code == 200  # still signed in
    assert SetupLink.get().uses == 0
    assert path.rsplit("/", 1)[-1] not in asked.text  # Continue posts without the token
    assert asked.headers["Referrer-Policy"] == "no-referrer"  # nor leaks it onward
    assert asked.headers["Cache-Control"] == "no-store"


def test_continue_signs_out_and_opens_the_link(app, client, auth, admin):
    """Continue (a POST with CSRF) ends the signed-in session on the server and opens
    the link's steps; a copy of the old cookie is refused afterwards."""
    path = make_link(client, auth)
    auth.login()
    copied = client.get_cookie("session").value
    asked = client.get(path)
    assert client.post("/setup/continue").status_code == 400  # no CSRF token: refused
    assert client.get("/account").status_code == 200
    opened = client.post("/setup/continue", data={"csrf_token": csrf_token(asked.text)})
    assert opened.headers["Location"] == "/connect/okta/apps"
    assert client.get("/connect/okta/apps").status_code == 200
    assert client.get("/account").status_code == 302  # the admin session is gone
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account").status_code == 302
    assert SetupLink.get().uses == 1
    last_sign_out = (
        AuditEvent.select()
        .where(AuditEvent.action == "auth.sign_out")
        .order_by(AuditEvent.id.desc())
        .get()
    )
    assert last_sign_out.details == {"reason": "setup_link"}


def test_cancel_keeps_the_session(app, client, auth, admin):
    """Cancel is a plain link home: the admin stays signed in, the link unused."""
    path = make_link(client, auth)
    auth.login()
    asked = client.get(path)
    assert re.search(r'<a[^>]+href="/"[^>]*>Cancel</a>', asked.text)
    assert client.get("/").headers["Location"] == "/org/"
    assert SetupLink.get().uses == 0


def test_signed_out_visit_names_the_organization_before_it_opens(app, client, auth, admin):
    """Attack: a stranger mails Acme's IT person a setup link of the stranger's own
    organization; opened at once, it dropped them in that wizard to type Acme's Okta
    settings into it. Every visit first names the organization and who lent the link;
    nothing opens (no use counted) until Continue."""
    path = make_link(client, auth)
    it_person = app.test_client()
    asked = it_person.get(path)
    assert asked.status_code == 200 and "Set up Okta for Acme?" in asked.text
    assert "admin@acme.example.com" in asked.text and "Sam from IT" in asked.text
    assert SetupLink.get().uses == 0
    assert it_person.get("/connect/okta/apps").status_code == 302  # not in the wizard yet
    assert enter_setup_link(it_person, path).headers["Location"] == "/connect/okta/apps"
    assert SetupLink.get().uses == 1


def test_continue_needs_a_link_still_valid(app, client, auth, admin):
    """Continue opens only the link this browser was asked about, and only while it is
    still valid: revoked in between, nothing opens and the admin stays signed in."""
    path = make_link(client, auth)
    auth.login()
    asked = client.get(path)
    SetupLink.update(revoked_at=datetime.utcnow()).execute()
    refused = client.post("/setup/continue", data={"csrf_token": csrf_token(asked.text)})
    assert refused.status_code == 410
    assert client.get("/account").status_code == 200
    fresh_browser = app.test_client()
    page = fresh_browser.get("/login")
    nothing_asked = fresh_browser.post(
        "/setup/continue", data={"csrf_token": csrf_token(page.text)}
    )
    assert nothing_asked.status_code == 410


def test_a_link_ends_when_its_creator_is_no_longer_an_enterprise_admin(
    app, client, auth, admin, org
):
    """Attack: an EnterpriseAdmin made a setup link for "their IT person" (or for
    themselves), then lost the role: a link lends its creator's EnterpriseAdmin powers
    (SSO settings, the first SCIM token), so it must not outlive them. Demoted by
    another EnterpriseAdmin, the creator's link opens nothing, and a session already
    opened with it ends."""
    from tests.conftest import PASSWORD
    from wizard.domain import accounts
    from wizard.domain.roles import OrgRole

    other = accounts.create_local_admin(
        org, "other@acme.example.com", PASSWORD, OrgRole.ENTERPRISE_ADMIN
    )
    path = make_link(client, auth)
    it_person = app.test_client()
    assert enter_setup_link(it_person, path).headers["Location"] == "/connect/okta/apps"
    auth.login(email=other.email)
    page = client.get(f"/team/users/{admin.scim_id}").text
    demoted = client.post(
        f"/team/users/{admin.scim_id}/role", data={"csrf_token": csrf_token(page), "role": "Admin"}
    )
    assert demoted.status_code == 302
    assert it_person.get("/connect/okta/sso").status_code == 302  # to sign-in: no link
    assert app.test_client().get(path).status_code == 410
    listed = client.get("/integrations/okta/setup-links").text
    assert "ended: its creator is no longer an Enterprise admin" in listed
