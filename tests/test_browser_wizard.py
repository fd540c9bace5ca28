"""In Chromium: a new admin walks the whole Connect Okta wizard while Okta (real SCIM
requests to the live server) provisions; pages are checked with axe at two widths."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import ScimClient
from tests.test_browser_accounts import sign_in

pytestmark = pytest.mark.browser


def continue_(page, label="Continue →"):
    page.get_by_role("button", name=label).click()


def test_admin_walks_the_whole_wizard(page, live_server, admin, discovery_server, screenshot):
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Integrations", exact=True).click()
    screenshot("wizard-0-integrations")
    page.get_by_role("link", name="Connect Okta").click()

    expect(page.get_by_role("heading", name="1. Okta permissions")).to_be_visible()
    continue_(page, "Get started →")
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()  # error next to field
    page.get_by_label("I have one of these Okta admin roles").check()
    screenshot("wizard-1-permissions")
    continue_(page, "Get started →")

    expect(page.get_by_role("heading", name="2. Add the apps in Okta")).to_be_visible()
    expect(page.locator("#login-uri")).to_have_text(f"{live_server.url}/login/okta/acme/callback")
    page.get_by_label("I created both apps in Okta").check()
    screenshot("wizard-2-apps")
    continue_(page)

    expect(page.get_by_role("heading", name="3. Single sign-on")).to_be_visible()
    page.get_by_label("Okta domain or issuer URL").fill(discovery_server.url)
    page.get_by_label("Client ID").fill("0oa1exampleclient")
    page.get_by_label("Client secret").fill("client-secret-value-42")
    page.get_by_label("Primary email domain").fill("acme.example.com")
    screenshot("wizard-3-sso")
    continue_(page, "Save and continue →")

    expect(page.get_by_role("heading", name="4. Provisioning credentials")).to_be_visible()
    page.get_by_role("button", name="Create the bearer token").click()
    token = page.locator("#scim-token").inner_text()
    endpoint = page.locator("#scim-url").inner_text()
    status = page.locator('[data-live="provisioning"]')
    expect(status).to_have_text("Waiting for Okta's Test API Credentials…")
    screenshot("wizard-4-credentials")
    okta = ScimClient(endpoint, token)
    assert okta.get("/Users?startIndex=1&count=2").status_code == 200  # Test API Credentials
    expect(status).to_have_text(re.compile(r"Okta connected — verified at \d\d:\d\d"))
    continue_(page)

    expect(page.get_by_role("heading", name="5. Provisioning settings in Okta")).to_be_visible()
    page.get_by_label("To App > Create Users is on").check()
    page.get_by_label("To App > Deactivate Users is on").check()
    screenshot("wizard-5-settings")
    continue_(page)

    expect(page.get_by_role("heading", name="6. Assign people")).to_be_visible()
    jane = okta.create_user("jane@acme.example.com", "Jane", "Doe")
    okta.create_user("raj@acme.example.com", "Raj", "Patel")
    expect(page.locator('[data-live="users-count"]')).to_have_text("2")
    expect(page.locator('[data-live="users-recent"] li').first).to_have_text("Raj Patel")
    screenshot("wizard-6-assign")
    continue_(page)

    expect(page.get_by_role("heading", name="7. Push groups")).to_be_visible()
    okta.post("/Groups", {"displayName": "Engineering", "members": [{"value": jane["id"]}]})
    expect(page.locator('[data-live="groups"] tr').first).to_have_text("Engineering1")
    screenshot("wizard-7-push")
    continue_(page)

    expect(page.get_by_role("heading", name="8. Finish setup")).to_be_visible()
    expect(page.get_by_text("Configured for acme.example.com")).to_be_visible()
    screenshot("wizard-8-finish")
    page.get_by_role("button", name="Finish setup").click()

    expect(page.get_by_text("Okta is connected.")).to_be_visible()
    expect(page.get_by_role("link", name="jane@acme.example.com")).to_be_visible()
    expect(page.get_by_role("link", name="raj@acme.example.com")).to_be_visible()
    screenshot("wizard-9-team")
    page.get_by_role("link", name="Integrations", exact=True).click()
    page.get_by_role("link", name="Open Okta").click()
    status = page.locator(".status-card")
    expect(status.locator(".part-scim .state")).to_have_text("Healthy")
    expect(page.get_by_role("link", name="Reopen the setup")).to_be_visible()
    screenshot("wizard-10-status-card")


def test_wrong_token_shows_in_the_live_panel(page, live_server, admin, app):
    from wizard.domain import connections

    with app.app_context():
        connections.ensure_connection(admin.organization)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/connect/okta/credentials")
    endpoint = page.locator("#scim-url").inner_text()
    assert ScimClient(endpoint, "stale-token").get("/Users").status_code == 401
    expect(page.locator('[data-live="provisioning"]')).to_have_text(
        re.compile(r"Okta tried with a token we don't recognise at \d\d:\d\d")
    )


PAGES = [
    "/integrations",
    "/connect/okta/permissions",
    "/connect/okta/apps",
    "/connect/okta/sso",
    "/connect/okta/credentials",
    "/connect/okta/settings",
    "/connect/okta/assign",
    "/connect/okta/push",
    "/connect/okta/finish",
    "/team/users",
    "/team/groups",
    "/org/settings",
    "/account",
]


@pytest.mark.parametrize("width", [375, 1280])
def test_no_serious_accessibility_violations(page, live_server, admin, scim, width):
    """axe finds no serious or critical violation on the wizard and Team pages."""
    user = scim.create_user("axe@acme.example.com", "Axe", "Check")
    scim.post("/Groups", {"displayName": "Axe group", "members": [{"value": user["id"]}]})
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, admin.email)
    problems = serious_violations(page, live_server, [*PAGES, f"/team/users/{user['id']}"])
    assert not problems, "\n".join(problems)


def serious_violations(page, live_server, paths) -> list[str]:
    """axe's serious and critical violations on each of ``paths``, at the page's width."""
    axe = Axe()
    width = page.viewport_size["width"]
    problems = []
    for path in paths:
        page.goto(live_server.url + path)
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{path} @{width}px: {violation['id']} {targets}")
    return problems
