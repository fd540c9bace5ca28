"""Setup links: the IT person without an account does the Okta steps (2-7) only."""

import re
from datetime import datetime, timedelta

from tests.conftest import csrf_token
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
    assert it_person.get(path).headers["Location"] == "/connect/okta/apps"
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
    it_person.get(path)
    auth.login()
    page = client.get("/integrations/okta/setup-links").text
    client.post(
        f"/integrations/okta/setup-links/{SetupLink.get().id}/revoke",
        data={"csrf_token": csrf_token(page)},
    )
    assert it_person.get("/connect/okta/apps").status_code == 302  # the session ends too


def test_expired_links_are_cleaned_up(db, org):
    from wizard import setup_links

    SetupLink.create(
        organization=org, digest="x" * 64, expires_at=datetime.utcnow() - timedelta(days=1)
    )
    assert setup_links.remove_expired(datetime.utcnow()) == 1
