"""Seed 000 (OpenCities' Okta connector), in Chromium, from a fresh organization, by
clicks only: every connection item on one Connector settings screen (org URL, API token,
the sign-in app's client ID and secret) tested together; the redirect URIs to copy and a
test sign-in; Sync now (the only app picked by itself); Role mapping per site (a site
added right there) and on all websites; User detail mapping with the photo's format;
the daily 03:00 schedule, Pause and Resume; members converted to local management
before the connection is deleted.

Okta is one server at one org URL, as in Okta: the management API emulator for
``/api/v1/...`` and a real OpenID provider (oidc-provider-mock) for sign-in."""

from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.fakes.okta_api import TOKEN, OktaEmulator
from tests.test_browser_accounts import sign_in
from tests.test_sso import set_user
from wizard.models import Member
from wizard.sync import jobs

pytestmark = pytest.mark.browser
APP = "0oaopencities"


class OktaOrg:
    """The org URL: the API under /api/v1/, sign-in (discovery, authorize...) elsewhere."""

    def __init__(self, api, provider):
        self.api, self.provider = api, provider

    def __call__(self, environ, start_response):
        target = self.api if environ["PATH_INFO"].startswith("/api/v1/") else self.provider
        return target(environ, start_response)


@pytest.fixture
def okta_org():
    from oidc_provider_mock import app as provider_app

    api = OktaEmulator()
    api.apps = [{"id": APP, "label": "OpenCities", "status": "ACTIVE"}]
    api.app_users = {APP: []}
    api.add_users(3, assign=APP)
    api.users["00u000001"]["profile"].update(
        jobTitle="Librarian", photoUrl="https://cdn.example.com/ann.jpg"
    )
    api.add_group("00gstaff", "All staff", ["00u000001", "00u000002"])
    server = LiveServer(OktaOrg(api, provider_app(require_nonce=True))).start()
    api.url = server.url
    server.api = api
    yield server
    server.stop()


def run_the_scheduler(app):
    """What the scheduler process does each minute: claim and run the queued sync."""
    with app.app_context():
        return jobs.tick(now=datetime.utcnow(), owner="test-scheduler")


def open_tab(page, name):
    page.get_by_role("navigation", name="Okta connection").get_by_role("link", name=name).click()


def test_connector_settings_mappings_schedule_and_safe_delete(
    page, app, live_server, admin, okta_org, screenshot
):
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Integrations", exact=True).click()
    page.locator(".part-api").get_by_role("link", name="Okta API & sync").click()
    page.get_by_role("navigation", name="Okta API & sync pages").get_by_role(
        "link", name="Connector settings"
    ).click()
    page.get_by_label("Org URL").fill(okta_org.url)
    page.get_by_label("API key (token)").fill(TOKEN)
    page.get_by_label("Client ID").fill("0oa-opencities")
    page.get_by_label("Client secret").fill("opencities-client-secret")
    page.get_by_label("Primary email domain").fill("acme.example.com")
    page.get_by_role("button", name="Save and test connection").click()

    expect(page.get_by_text("Connection works.")).to_be_visible()
    expect(
        page.get_by_text("reads the people assigned to OpenCities, the only app")
    ).to_be_visible()
    expect(page.get_by_text("Run the test sign-in to make them live.")).to_be_visible()
    for check in ("Read users", "Read groups", "Read admin roles"):
        expect(page.locator(".checklist li").filter(has_text=check)).to_contain_text("OK")
    strip = page.get_by_role("navigation", name="Okta connection")
    expect(strip.get_by_role("link", name="Role mapping")).to_be_visible()
    expect(strip.get_by_role("link", name="User detail mapping")).to_be_visible()
    screenshot("hub-connector")

    open_tab(page, "Single sign-on")
    expect(page.locator("#login-uri")).to_have_text(f"{live_server.url}/login/okta/acme/callback")
    expect(page.locator("#logout-uri")).to_have_text(
        f"{live_server.url}/login/okta/acme/signed-out"
    )
    set_user(okta_org, "00u-admin", email=admin.email, name="Ada Admin")
    page.get_by_role("button", name="Test sign-in").click()
    page.locator('input[name="sub"]').first.fill("00u-admin")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("Test sign-in passed.")).to_be_visible()
    expect(page.locator("#test-activated")).to_be_visible()
    expect(page.get_by_role("heading", name="Single sign-on", level=1)).to_be_visible()
    screenshot("hub-sso")

    open_tab(page, "Okta API & sync")
    page.get_by_role("navigation", name="Okta API & sync pages").get_by_role(
        "link", name="Sync"
    ).click()
    expect(page.get_by_text("daily at 03:00")).to_be_visible()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text("Sync queued.")).to_be_visible()
    assert [run.status for run in run_the_scheduler(app)] == ["succeeded"]
    page.get_by_role("navigation", name="Okta API & sync pages").get_by_role(
        "link", name="Sync"
    ).click()
    expect(page.get_by_role("row").filter(has_text="manual")).to_contain_text("created 3")

    open_tab(page, "Role mapping")
    page.get_by_label("Site name").fill("Library")
    page.get_by_role("button", name="Add site").click()
    expect(page.get_by_text("Site Library added")).to_be_visible()
    page.get_by_label("Okta group").select_option(label="All staff")
    page.get_by_label("Member login (staff directory)").check()
    all_sites = page.get_by_role("group", name="Roles on all websites")
    all_sites.get_by_label("Viewer").check()
    page.get_by_role("group", name="Roles on Library").get_by_label("Editor").check()
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_text("Mapping for All staff saved.")).to_be_visible()
    expect(page.locator(".mapping")).to_contain_text("Editor on Library")
    screenshot("hub-roles")

    open_tab(page, "User detail mapping")
    page.get_by_label("Job title", exact=True).select_option("jobTitle")
    page.get_by_label("Staff photo", exact=True).select_option("photoUrl")
    page.get_by_role("button", name="Save mapping").click()
    expect(page.locator("#image_format-error")).to_contain_text("image format")
    expect(page.get_by_label("Job title", exact=True)).to_have_value("jobTitle")  # kept
    page.get_by_label("Photo image format").select_option("jpeg")
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_text("User detail mapping saved")).to_be_visible()
    screenshot("hub-details")

    open_tab(page, "Okta API & sync")
    page.get_by_role("navigation", name="Okta API & sync pages").get_by_role(
        "link", name="Sync"
    ).click()
    page.get_by_role("button", name="Pause auto sync").click()
    expect(page.get_by_text("Auto sync paused", exact=True)).to_be_visible()
    page.get_by_role("button", name="Resume auto sync").click()
    expect(page.get_by_text("Auto sync on", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sync now").click()
    assert [run.status for run in run_the_scheduler(app)] == ["succeeded"]
    screenshot("hub-sync")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_role("link", name="Staff directory").click()
    expect(page.get_by_text("Librarian")).to_be_visible()
    ann = Member.get(Member.okta_id == "00u000001")
    assert ann.photo_url == "https://cdn.example.com/ann.jpg"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Open Okta").click()
    screenshot("hub-overview")
    open_tab(page, "Okta API & sync")
    screenshot("hub-api")
    open_tab(page, "Setup links")
    screenshot("hub-setup-links")
    open_tab(page, "Disconnect")
    page.get_by_role("button", name="Convert 3 member(s) to local management").click()
    expect(page.get_by_role("heading", name="Converted to local management")).to_be_visible()
    page.get_by_role("link", name="Back to disconnect").click()
    screenshot("hub-disconnect")
    page.get_by_label("Type the organization's name to confirm").fill("Acme")
    page.get_by_role("button", name="Disconnect Okta").click()
    expect(page.get_by_text("0 Okta-managed member(s) were deactivated")).to_be_visible()
    assert Member.select().where(Member.okta_id.is_null(False) & Member.active).count() == 3
