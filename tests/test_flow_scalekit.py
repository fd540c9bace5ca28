"""Seed 004 (Scalekit's "Directory Sync" with Okta), in Chromium, from a fresh
organization: the admin opens Provisioning (SCIM) from Integrations by clicking, makes
the endpoint and its one-time bearer token, Okta (real SCIM requests to the live server)
assigns people and pushes a group with its members, and the admin verifies users and
groups, first on the tab as they arrive, then in Team. No wizard, no Finish."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ScimClient
from tests.test_browser_accounts import sign_in

pytestmark = pytest.mark.browser


def test_directory_sync_only_endpoint_token_push_groups_and_verify(
    page, live_server, admin, screenshot
):
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Integrations", exact=True).click()
    page.locator(".part-scim").get_by_role("link", name="Provisioning (SCIM)").click()
    expect(page.get_by_role("heading", name="Provisioning (SCIM)", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Setup progress")).to_have_count(0)  # no stepper
    page.get_by_role("button", name="Create the endpoint and token").click()

    endpoint = page.locator("#scim-url").inner_text()
    token = page.locator("#scim-token").inner_text()
    assert endpoint.startswith(f"{live_server.url}/scim/v2/") and token.startswith("okcs_")
    expect(page.get_by_text("It is shown only once")).to_be_visible()
    expect(page.get_by_text("Authentication Mode: HTTP Header")).to_be_visible()
    screenshot("hub-scim-token")

    okta = ScimClient(endpoint, token)  # Okta's Test API Credentials, then the pushes
    assert okta.get("/Users?startIndex=1&count=1").status_code == 200
    live = page.locator('[data-live="provisioning"]')
    expect(live).to_have_text(re.compile(r"Okta connected — verified at \d\d:\d\d"))
    tony = okta.create_user("tony@acme.example.com", "Tony", "Stark")
    okta.create_user("natasha@acme.example.com", "Natasha", "Romanoff")
    group = okta.post("/Groups", {"displayName": "Avengers", "members": [{"value": tony["id"]}]})
    assert group.status_code == 201
    expect(page.locator('[data-live="users-count"]')).to_have_text("2")
    expect(page.locator('[data-live="groups"] tr').first).to_have_text("Avengers1")
    natasha = okta.get('/Users?filter=userName eq "natasha@acme.example.com"').json()
    added = okta.patch(
        f"/Groups/{group.json()['id']}",
        [{"op": "add", "path": "members", "value": [{"value": natasha["Resources"][0]["id"]}]}],
    )
    assert added.status_code in (200, 204)
    expect(page.locator('[data-live="groups"] tr').first).to_have_text("Avengers2")

    page.get_by_role("link", name="Provisioning (SCIM)", exact=False).first.click()
    expect(page.get_by_text("Copy the bearer token now")).to_have_count(0)  # shown once
    expect(page.locator(".part-state .state")).to_have_text("Healthy")
    screenshot("hub-scim")
    page.get_by_role("navigation", name="Provisioning (SCIM) pages").get_by_role(
        "link", name="Request log"
    ).click()
    expect(page.get_by_role("heading", name="SCIM request log")).to_be_visible()
    expect(page.get_by_role("cell", name="201").first).to_be_visible()
    screenshot("hub-scim-log")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(page.get_by_role("link", name="tony@acme.example.com")).to_be_visible()
    expect(page.get_by_role("link", name="natasha@acme.example.com")).to_be_visible()
    page.get_by_role("link", name="Groups", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Avengers")
    expect(row).to_contain_text("2")
