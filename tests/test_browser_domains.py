"""In Chromium: an EnterpriseAdmin proves an email domain through its DNS record, the
test playing the DNS provider (the real DNS server the app's resolver asks)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.test_browser_accounts import sign_in

pytestmark = pytest.mark.browser


def test_an_admin_verifies_a_domain_through_its_dns_record(
    page, live_server, admin, dns_server, screenshot
):
    """Add the domain, copy the TXT record shown, publish it, Verify now: verified."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Integrations", exact=True).click()
    page.get_by_role("link", name="Email domains", exact=True).click()
    expect(page.get_by_role("heading", name="Email domains", level=1)).to_be_visible()

    page.get_by_label("Email domain", exact=True).fill("acme.example.com")
    page.get_by_role("button", name="Add domain").click()
    expect(page.get_by_text("Create the TXT record shown for acme.example.com")).to_be_visible()
    card = page.get_by_role("region", name="acme.example.com")
    expect(card.get_by_text("Not verified yet")).to_be_visible()

    card.get_by_role("button", name="Copy TXT record value").click()
    # Wait on the clipboard itself (the button's "Copied" label reverts after 2 s).
    value = page.wait_for_function(
        "() => navigator.clipboard.readText()"
        ".then(text => text.startsWith('okta-connector-verification=') && text)"
    ).json_value()
    assert value == card.locator('code[id^="record-value-"]').inner_text()
    name = card.locator('code[id^="record-name-"]').inner_text()
    assert name == "_okta-connector-challenge.acme.example.com"
    screenshot("domains-1-record-to-create")

    dns_server.zone.set(name, "TXT", value)
    card.get_by_role("button", name="Verify acme.example.com now").click()
    expect(page.get_by_text("acme.example.com is verified")).to_be_visible()
    expect(card.get_by_text("Verified", exact=True)).to_be_visible()
    screenshot("domains-2-verified")

    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert not serious
