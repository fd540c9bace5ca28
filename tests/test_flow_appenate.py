"""Seed 001 (Appenate: Okta through its "Enterprise Toolkit"), in Chromium, from a fresh
organization, by clicks only: the feature gate (support turns the Enterprise feature
on), single sign-on with OpenID Connect and PKCE (issuer and client ID, no secret)
against a real OpenID provider process that enforces PKCE, Okta sign-in required for
all users, SCIM with Basic credentials (the user name and password shown on the tab),
first and last name required, the email unique, and the role values Okta sends."""

import base64

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import PASSWORD, ScimClient
from tests.servers import AppProcess
from tests.test_browser_accounts import sign_in
from tests.test_sso import set_user
from wizard.domain import accounts
from wizard.domain.roles import OrgRole

pytestmark = pytest.mark.browser
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
OURS = "urn:ietf:params:scim:schemas:extension:okta-connector:2.0:User"


@pytest.fixture
def okta_oidc(tmp_path):
    """Okta's Native OIDC app with PKCE: a real OpenID provider in its own process that
    refuses a code exchange without the right code_verifier."""
    provider = AppProcess(
        {},
        tmp_path / "pkce-provider.log",
        target="tests.fakes.pkce_provider:app()",
        health="/.well-known/openid-configuration",
    ).wait_ready()
    yield provider
    provider.stop()


def appenate_user(user_name, given="Sam", family="Lee", role=None, email=None) -> dict:
    body = {
        "schemas": [CORE, OURS],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": email or user_name, "type": "work", "primary": True}],
        "active": True,
    }
    if role:
        body[OURS] = {"role": role}
    return body


def test_gate_oidc_pkce_enforcement_basic_scim_and_role_values(
    page, browser, live_server, admin, org, staff, okta_oidc, screenshot
):
    org.enterprise_enabled = False
    org.save()
    lee = accounts.create_local_admin(org, "lee@acme.example.com", PASSWORD, OrgRole.USER)
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Integrations", exact=True).click()
    expect(page.get_by_text("part of the Enterprise feature")).to_be_visible()
    expect(page.get_by_role("link", name="Open Okta")).to_have_count(0)

    support = browser.new_context().new_page()  # the Billing page: support enables it
    sign_in(support, live_server, staff.email)
    support.get_by_role("link", name="Acme").click()
    support.get_by_label("Enterprise feature (Okta SSO, SCIM provisioning and sync)").check()
    support.get_by_role("button", name="Save").click()
    expect(support.get_by_text("Entitlements saved.")).to_be_visible()
    support.context.close()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Open Okta").click()
    page.get_by_role("navigation", name="Okta connection").get_by_role(
        "link", name="Single sign-on"
    ).click()
    redirect_uri = page.locator("#login-uri").inner_text()
    assert redirect_uri == f"{live_server.url}/login/okta/acme/callback"
    page.get_by_label("Okta domain or issuer URL").fill(okta_oidc.url)
    page.get_by_label("Client ID").fill("0oa-appenate-native")
    page.get_by_label("Primary email domain").fill("acme.example.com")  # no client secret
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#sso-pending")).to_be_visible()
    set_user(okta_oidc, "00u-ada", email=admin.email, name="Ada Admin")
    page.get_by_role("button", name="Test sign-in").click()
    page.locator('input[name="sub"]').first.fill("00u-ada")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("Test sign-in passed.")).to_be_visible()
    expect(page.locator("#sso-live")).to_contain_text("no client secret (PKCE)")
    stats = requests.get(f"{okta_oidc.url}/pkce/stats", timeout=10).json()
    assert stats["public_exchanges"] == 1  # the verifier checked, no secret sent

    page.get_by_label("Require Okta sign-in for everyone in the organization").check()
    page.get_by_label("Break-glass admin").select_option(label=admin.email)
    page.get_by_role("button", name="Save sign-in rules").click()
    expect(page.get_by_text("Sign-in settings saved.")).to_be_visible()
    screenshot("hub-sso-enforced")
    member = browser.new_context().new_page()
    sign_in(member, live_server, lee.email)
    expect(member.locator("#password-error")).to_contain_text("signs in with Okta")
    member.context.close()

    page.get_by_role("navigation", name="Okta connection").get_by_role(
        "link", name="Provisioning (SCIM)"
    ).click()
    page.get_by_label("Basic Auth: a user name and a password").check()
    page.get_by_role("button", name="Show the values for this choice").click()
    page.get_by_role("button", name="Create the token").click()
    expect(page.get_by_text("Authentication Mode: Basic Auth")).to_be_visible()
    endpoint = page.locator("#scim-url").inner_text()
    user_name = page.locator("#scim-user").inner_text()
    password = page.locator("#scim-password").inner_text()
    screenshot("hub-scim-basic")

    okta = ScimClient(endpoint, password)
    basic = base64.b64encode(f"{user_name}:{password}".encode()).decode()
    okta.session.headers["Authorization"] = f"Basic {basic}"  # Test API Credentials
    assert okta.get("/Users?count=1").status_code == 200
    created = okta.post("/Users", appenate_user("sam@acme.example.com", role="Admin"))
    assert created.status_code == 201, created.text
    assert created.json()[OURS]["role"] == "Admin"
    no_family = okta.post("/Users", appenate_user("kim@acme.example.com", family=""))
    assert no_family.status_code == 400 and "name.familyName" in no_family.json()["detail"]
    twin = okta.post(
        "/Users", appenate_user("sam.lee@acme.example.com", email="sam@acme.example.com")
    )
    assert twin.status_code == 409
    okta.post("/Users", appenate_user("ro@acme.example.com", "Rae", "Oh", role="ReadOnly"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(page.get_by_role("row").filter(has_text="sam@acme.example.com")).to_contain_text(
        OrgRole.ADMIN.label
    )
    expect(page.get_by_role("row").filter(has_text="ro@acme.example.com")).to_contain_text(
        OrgRole.READ_ONLY.label
    )
    expect(page.get_by_role("link", name="kim@acme.example.com")).to_have_count(0)


def test_the_pkce_provider_refuses_a_wrong_or_missing_verifier():
    """The stand-in proves PKCE only if it refuses without it: a code exchanged with a
    wrong verifier, or issued without a challenge, is invalid_grant."""
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlsplit

    from tests.conftest import LiveServer
    from tests.fakes.pkce_provider import app as pkce_app

    server = LiveServer(pkce_app()).start()
    try:
        requests.put(f"{server.url}/users/u1", json={"email": "a@acme.example.com"}, timeout=10)

        def exchange(verifier: str, challenge: str | None) -> requests.Response:
            query = {
                "client_id": "0oa-native",
                "redirect_uri": "http://127.0.0.1:9/callback",
                "response_type": "code",
                "scope": "openid email",
                "state": "s",
                "nonce": "n",
            }
            if challenge:
                query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
            authorized = requests.post(
                f"{server.url}/oauth2/authorize",
                params=query,
                data={"sub": "u1"},
                allow_redirects=False,
                timeout=10,
            )
            code = parse_qs(urlsplit(authorized.headers["Location"]).query)["code"][0]
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": query["redirect_uri"],
                "client_id": query["client_id"],
                "code_verifier": verifier,
            }
            return requests.post(f"{server.url}/oauth2/token", data=form, timeout=10)

        verifier = secrets.token_urlsafe(40)
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        assert exchange(verifier, challenge).status_code == 200
        assert (
            exchange("another-verifier-" + verifier, challenge).json()["error"] == "invalid_grant"
        )
        assert exchange(verifier, None).json()["error"] == "invalid_grant"
    finally:
        server.stop()
