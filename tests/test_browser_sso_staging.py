"""In Chromium: an EnterpriseAdmin changes the issuer. Two real OpenID providers
(oidc-provider-mock, each in its own gunicorn process on 127.0.0.1): the old one keeps
signing members in, in another browser context, until the EA's test sign-in against the
new one passes; then the new one signs people in and the old one no longer does."""

import re

import pytest
from playwright.sync_api import expect

from tests.servers import AppProcess
from tests.test_browser_accounts import sign_in
from tests.test_sso import CLIENT_ID, configure, make_jane, set_user
from wizard.models import AuditEvent, OktaConnection

pytestmark = pytest.mark.browser


def provider_process(tmp_path, name: str) -> AppProcess:
    return AppProcess(
        {},
        tmp_path / f"{name}.log",
        target="oidc_provider_mock:app(require_nonce=True)",
        health="/.well-known/openid-configuration",
    ).wait_ready()


@pytest.fixture
def providers(tmp_path):
    old, new = provider_process(tmp_path, "old-okta"), provider_process(tmp_path, "new-okta")
    yield old, new
    old.stop()
    new.stop()


def authorize_at(page, provider, sub):
    expect(page).to_have_url(re.compile(rf"^{re.escape(provider.url)}/oauth2/authorize"))
    page.locator('input[name="sub"]').first.fill(sub)
    page.get_by_role("button", name="Authorize").click()


def member_signs_in(browser, live_server, provider, sub):
    """A member in their own browser: Okta sign-in through whichever provider we send
    them to; returns the page where they land."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/login/okta/acme")
    authorize_at(page, provider, sub)
    return page


def test_issuer_change_goes_live_only_through_the_enterprise_admins_test_sign_in(
    page, browser, app, org, admin, live_server, providers, screenshot
):
    old, new = providers
    configure(app, org, old.url)
    make_jane(org)
    set_user(old, "00u-jane-old", email="jane@acme.example.com")
    set_user(new, "00u-jane-new", email="jane@acme.example.com")
    set_user(new, "00u-ada", email=admin.email, name="Ada Admin")

    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/connect/okta/sso")
    page.get_by_label("Okta domain or issuer URL").fill(new.url)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill("new-okta-secret-1")  # the new app's own
    page.get_by_role("button", name="Save and continue →").click()
    expect(page).to_have_url(f"{live_server.url}/connect/okta/credentials")
    page.goto(f"{live_server.url}/connect/okta/sso")
    expect(page.locator("#sso-live")).to_contain_text(old.url)
    expect(page.locator("#sso-pending")).to_contain_text(new.url)
    expect(page.locator("#sso-pending")).to_contain_text("run the test sign-in to make it live")
    screenshot("sso-staging-1-pending")

    # The old provider keeps signing members in while the new one is pending.
    jane = member_signs_in(browser, live_server, old, "00u-jane-old")
    expect(jane).to_have_url(f"{live_server.url}/account")
    expect(jane.get_by_text("jane@acme.example.com")).to_be_visible()
    jane.context.close()
    # A member who reached the old provider's page just before the switch...
    late = browser.new_context().new_page()
    late.goto(f"{live_server.url}/login/okta/acme")
    expect(late).to_have_url(re.compile(rf"^{re.escape(old.url)}/oauth2/authorize"))

    page.get_by_role("button", name="Test sign-in").click()
    authorize_at(page, new, "00u-ada")
    expect(page).to_have_url(f"{live_server.url}/connect/okta/sso")
    expect(page.get_by_text("Test sign-in passed. Okta vouched for:")).to_be_visible()
    expect(page.locator("#test-activated")).to_be_visible()
    expect(page.locator("#sso-live")).to_contain_text(new.url)
    expect(page.locator("#sso-pending")).to_have_count(0)
    screenshot("sso-staging-2-live")
    event = AuditEvent.get(AuditEvent.action == "sso.configuration_activated", actor=admin.id)
    assert (event.details["from_issuer"], event.details["to_issuer"]) == (old.url, new.url)
    assert OktaConnection.get().live_sso.issuer == new.url

    # ...cannot finish through it any more; sign-in now goes to the new provider.
    late.locator('input[name="sub"]').first.fill("00u-jane-old")
    late.get_by_role("button", name="Authorize").click()
    expect(
        late.get_by_role("heading", name="The sign-in settings changed meanwhile")
    ).to_be_visible()
    late.context.close()
    jane = member_signs_in(browser, live_server, new, "00u-jane-new")
    expect(jane).to_have_url(f"{live_server.url}/account")
    expect(jane.get_by_text("jane@acme.example.com")).to_be_visible()
    jane.context.close()
