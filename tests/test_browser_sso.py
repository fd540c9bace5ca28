"""In Chromium, against a real OpenID provider (oidc-provider-mock) on 127.0.0.1."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, LiveServer
from tests.test_browser_accounts import sign_in
from tests.test_sso import configure, set_user
from wizard.domain import accounts
from wizard.models import (
    AuditEvent,
    Member,
    SignInPolicy,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def provider():
    from oidc_provider_mock import app as mock_provider_app

    server = LiveServer(mock_provider_app(require_nonce=True)).start()
    yield server
    server.stop()


@pytest.fixture
def okta(app, org, provider, live_server):
    configure(app, org, provider.url)
    return provider


def authorize_at_okta(page, sub):
    page.locator('input[name="sub"]').first.fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_scim_member_signs_in_with_okta_and_out_through_end_session(
    page, live_server, okta, scim, screenshot
):
    """Email first, Okta's page, back signed in; sign-out ends Okta's session too."""
    scim.create_user("jane@acme.example.com", "Jane", "Doe")
    set_user(okta, "00u-jane", email="jane@acme.example.com", name="Jane Doe")
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Work email").fill("jane@acme.example.com")
    screenshot("sso-1-email-first")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"^{okta.url}/oauth2/authorize"))
    authorize_at_okta(page, "00u-jane")
    expect(page).to_have_url(f"{live_server.url}/account")
    expect(page.get_by_text("jane@acme.example.com")).to_be_visible()
    screenshot("sso-2-signed-in")
    callback = next(e for e in AuditEvent.select() if e.action == "auth.sign_in")
    assert callback.details == {"method": "okta"}
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{okta.url}/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_text("You are signed out of this app and of Okta.")).to_be_visible()


def test_refusals_are_pages_that_say_why(page, live_server, okta, scim, app):
    """Unknown member; a replayed callback; a deactivated member's open session ends."""
    set_user(okta, "00u-ghost", email="ghost@acme.example.com")
    page.goto(f"{live_server.url}/login/okta/acme")
    authorize_at_okta(page, "00u-ghost")
    expect(page.get_by_role("heading", name="You do not have an account here yet")).to_be_visible()
    expect(page.get_by_text("assign you to this app in Okta")).to_be_visible()

    user = scim.create_user("raj@acme.example.com", "Raj", "Patel")
    set_user(okta, "00u-raj", email="raj@acme.example.com")
    page.goto(f"{live_server.url}/login/okta/acme")
    callbacks = []
    page.on("request", lambda r: callbacks.append(r.url) if "/callback?" in r.url else None)
    authorize_at_okta(page, "00u-raj")
    expect(page).to_have_url(f"{live_server.url}/account")
    page.goto(callbacks[-1])  # the same code and state again
    expect(
        page.get_by_role("heading", name="This sign-in was already used or has expired")
    ).to_be_visible()

    page.goto(f"{live_server.url}/account")
    expect(page).to_have_url(f"{live_server.url}/account")
    scim.patch(f"/Users/{user['id']}", [{"op": "replace", "value": {"active": False}}])
    page.goto(f"{live_server.url}/account")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_enforcement_and_break_glass(page, live_server, okta, org, admin, db):
    other = accounts.create_local_admin(org, "second@acme.example.com", PASSWORD)
    SignInPolicy.update(sso_enforced=True, break_glass=admin.id).execute()
    sign_in(page, live_server, other.email)
    expect(page.locator("#password-error")).to_have_text(
        "Your organization signs in with Okta: leave the password empty and continue."
    )
    sign_in(page, live_server, admin.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme")
    page.goto(f"{live_server.url}/integrations")
    assert AuditEvent.get(AuditEvent.action == "auth.break_glass_used").actor_id == admin.id


def test_wizard_test_sign_in_shows_the_claims(page, live_server, okta, admin, screenshot):
    set_user(okta, "00u-admin", email="admin@acme.example.com", name="Ada Admin")
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/connect/okta/sso")
    page.get_by_role("button", name="Test sign-in").click()
    authorize_at_okta(page, "00u-admin")
    expect(page).to_have_url(f"{live_server.url}/connect/okta/sso")
    expect(page.get_by_text("Test sign-in passed. Okta vouched for:")).to_be_visible()
    expect(page.locator(".claims")).to_contain_text("admin@acme.example.com")
    screenshot("sso-3-test-sign-in")
    assert Member.get_by_id(admin.id).okta_id is None  # the test signed nobody in
