"""Seed 003 (Oktopost: SCIM provisioning with Okta, no single sign-on here), in Chromium,
from a fresh organization: the admin makes the SCIM token on Provisioning (SCIM), Okta's
"Authorization for HTTP Header" sends it as is; Okta creates, updates, deactivates and
reactivates a user whose userName is the email; a userName that differs from the email
is warned about; the users that cannot be migrated (a duplicate email, the license
limit) are listed on Failed migrations and downloaded as CSV."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ScimClient
from tests.test_browser_accounts import sign_in

pytestmark = pytest.mark.browser
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"


def oktopost_user(user_name: str, email: str | None = None, **extra) -> dict:
    return {
        "schemas": [CORE],
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": email or user_name, "type": "work", "primary": True}],
        "active": True,
        **extra,
    }


def test_scim_only_create_update_deactivate_reactivate_and_failed_migrations(
    page, live_server, admin, org, screenshot
):
    org.seat_limit = 3  # the admin and two people: a third is over the license
    org.save()
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Integrations", exact=True).click()
    page.locator(".part-scim").get_by_role("link", name="Provisioning (SCIM)").click()
    page.get_by_label("Header: the token alone as Authorization").check()
    page.get_by_role("button", name="Show the values for this choice").click()
    page.get_by_role("button", name="Create the token").click()
    token = page.locator("#scim-token").inner_text()
    endpoint = page.locator("#scim-url").inner_text()
    expect(page.get_by_text("Authorization header value", exact=False).first).to_be_visible()

    okta = ScimClient(endpoint, token)
    okta.session.headers["Authorization"] = token  # Okta's HTTP Header mode: no scheme
    created = okta.post("/Users", oktopost_user("jane@acme.example.com"))
    assert created.status_code == 201, created.text
    jane = created.json()
    roe = {"givenName": "Jane", "familyName": "Roe"}
    renamed = oktopost_user("jane@acme.example.com", name=roe)
    assert okta.put(f"/Users/{jane['id']}", renamed).json()["name"]["familyName"] == "Roe"
    off = [{"op": "replace", "value": {"active": False}}]
    assert okta.patch(f"/Users/{jane['id']}", off).json()["active"] is False
    on = [{"op": "replace", "value": {"active": True}}]
    assert okta.patch(f"/Users/{jane['id']}", on).json()["active"] is True
    differs = okta.post("/Users", oktopost_user("ops@acme.example.com", "team@acme.example.com"))
    assert differs.status_code == 201
    twin = okta.post("/Users", oktopost_user("jane.roe@acme.example.com", "jane@acme.example.com"))
    assert twin.status_code == 409 and twin.json()["scimType"] == "uniqueness"
    over = okta.post("/Users", oktopost_user("max@acme.example.com"))
    assert over.status_code == 403

    page.get_by_role("link", name="Provisioning (SCIM)", exact=False).first.click()
    expect(page.get_by_text("keep them identical in Okta")).to_be_visible()
    expect(page.locator('[data-live="users-count"]')).to_have_text("2")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    row = page.get_by_role("row").filter(has_text="jane@acme.example.com")
    expect(row).to_contain_text("Active")

    page.get_by_role("link", name="Integrations", exact=True).click()
    page.locator(".part-failures").get_by_role("link", name="Failed migrations").click()
    expect(page.get_by_role("link", name="Duplicate email")).to_be_visible()
    expect(page.get_by_role("link", name="License limit")).to_be_visible()
    expect(page.get_by_role("cell", name="jane.roe@acme.example.com")).to_be_visible()
    expect(page.get_by_role("cell", name="max@acme.example.com")).to_be_visible()
    screenshot("hub-failed-migrations")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(row["user_name"], row["reason"]) for row in rows} == {
        ("jane.roe@acme.example.com", "duplicate_email"),
        ("max@acme.example.com", "license_limit"),
    }
