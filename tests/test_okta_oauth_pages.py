"""The API connection page with the service app: the choice, the key pair and its public
JWK, the steps in Okta, per-scope results; who may do it; no secret on any page, in any
log or in the database. Over HTTP (Flask client, emulator on 127.0.0.1) and in Chromium."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import csrf_token, run_sync_now
from tests.fakes.okta_api import TOKEN
from tests.fakes.okta_oauth import SERVICE_CLIENT_ID
from tests.test_browser_accounts import sign_in
from tests.test_fresh_auth import make_stale
from tests.test_no_secrets_in_logs import all_logs  # noqa: F401 (fixture)
from tests.test_permissions import sign_in as sign_in_as
from tests.test_secrets_never_stored import database_bytes
from wizard.domain.roles import OrgRole
from wizard.models import (
    ApiAuth,
    AuditEvent,
    OktaConnection,
    SyncRun,
    SyncSettings,
)
from wizard.sync import oauth_tokens, service_app_keys

API = "/integrations/okta/api"
KEY = "/integrations/okta/api/key"
JWK_BLOCK = re.compile(r'<pre[^>]*id="public-jwk"[^>]*>(.*?)</pre>', re.S)


@pytest.fixture(autouse=True)
def empty_token_cache():
    oauth_tokens.TOKENS.clear()
    yield
    oauth_tokens.TOKENS.clear()


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login()
    return client


def post(client, url, data=None, page=API):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client.get(page).text)})


def public_jwk_on(page_html: str) -> dict:
    import html

    match = JWK_BLOCK.search(page_html)
    assert match, "no public key on the page"
    return json.loads(html.unescape(match.group(1)))


def connect_through_the_page(client, okta) -> dict:
    """What the admin does: create the key, paste it into Okta, save the client ID."""
    post(client, KEY)
    jwk = public_jwk_on(client.get(API).text)
    okta.add_service_app(jwk)
    response = post(
        client, API, {"auth": "service_app", "org_url": okta.url, "client_id": SERVICE_CLIENT_ID}
    )
    assert response.status_code == 302, response.text
    return jwk


def test_the_page_offers_the_service_app_as_the_recommended_choice(admin_client):
    page = admin_client.get(API).text
    assert "Okta API Services app (recommended)" in page and "API token" in page
    assert re.search(r'value="service_app"[^>]*checked|checked[^>]*value="service_app"', page)
    for step in ("API Services", "Public key / Private key", "Okta API Scopes", "Admin roles"):
        assert step in page
    assert "Create the key pair" in page


def test_the_page_creates_the_key_shows_the_public_jwk_then_saves_and_tests(
    admin_client, okta, app
):
    jwk = connect_through_the_page(admin_client, okta)
    assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}
    page = admin_client.get(API).text
    assert "Connection works" in page or "OK" in page
    for scope in ("okta.users.read", "okta.groups.read", "okta.apps.read", "okta.roles.read"):
        assert scope in page
    assert "The service app has: <strong>Read-only Admin</strong>" in page
    assert "Replace the key pair" in page
    connection = OktaConnection.get()
    assert connection.api.auth == ApiAuth.SERVICE_APP
    assert connection.api.oauth_client_id == SERVICE_CLIENT_ID
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert "sync.service_app_key_created" in actions and "sync.api_tested" in actions


def test_a_wrong_client_id_is_shown_next_to_the_field_and_the_input_kept(admin_client, okta):
    post(admin_client, KEY)
    okta.add_service_app(public_jwk_on(admin_client.get(API).text))
    response = post(
        admin_client,
        API,
        {"auth": "service_app", "org_url": okta.url, "client_id": "0oatypo0000000000000"},
    )
    assert response.status_code == 200
    assert re.search(r'id="client_id-error">[^<]*Client ID', response.text)
    assert 'value="0oatypo0000000000000"' in response.text
    assert f'value="{okta.url}"' in response.text
    assert OktaConnection.get().api.oauth_client_id == ""


def test_a_missing_scope_is_shown_with_the_okta_menu(admin_client, okta):
    post(admin_client, KEY)
    okta.add_service_app(public_jwk_on(admin_client.get(API).text))
    okta.oauth.apps[SERVICE_CLIENT_ID].scopes.discard("okta.roles.read")
    post(
        admin_client,
        API,
        {"auth": "service_app", "org_url": okta.url, "client_id": SERVICE_CLIENT_ID},
    )
    page = admin_client.get(API).text
    assert (
        "Okta Admin Console &gt; Applications &gt; Applications &gt; okta-connector sync &gt; "
        "Okta API Scopes &gt; Grant okta.roles.read"
    ) in page


def test_the_token_choice_still_works(admin_client, okta):
    """The API token stays available: saved, tested, and the key pair forgotten."""
    post(admin_client, KEY)
    response = post(admin_client, API, {"auth": "token", "org_url": okta.url, "api_token": TOKEN})
    assert response.status_code == 302
    connection = OktaConnection.get()
    assert connection.api.auth == ApiAuth.TOKEN and connection.api.connected
    assert (connection.api.oauth_private_key, connection.api.oauth_public_jwk) == ("", "")


def test_sync_now_works_for_a_service_app_connection(admin_client, okta, app, org):
    """Sync now queues a run for a service app connection (it has no API token)."""
    org.seat_limit = None
    org.save()
    connect_through_the_page(admin_client, okta)
    SyncSettings.update(app_id="0oascim").execute()
    okta.add_users(3)
    queued = post(admin_client, "/integrations/okta/sync/now", page="/integrations/okta/sync")
    assert queued.headers["Location"].endswith("/integrations/okta/sync")
    assert SyncRun.get().status == "queued"
    run = run_sync_now(app, org)  # the queued run, claimed and run
    assert run.status == "succeeded" and run.counts["created"] == 3


def test_detail_mapping_reads_the_schema_with_a_token_of_its_own_scope(admin_client, okta):
    """User detail mapping lists Okta's profile properties with okta.schemas.read (not a
    sync scope); not granted, the page says where to grant it and still works."""
    connect_through_the_page(admin_client, okta)
    page = admin_client.get("/integrations/okta/details").text
    assert "Grant okta.schemas.read" in page and "Job title (HR system)" not in page
    okta.oauth.apps[SERVICE_CLIENT_ID].scopes.add("okta.schemas.read")
    assert "Job title (HR system)" in admin_client.get("/integrations/okta/details").text


# --- who may ----------------------------------------------------------------------------


def test_an_admin_may_read_the_page_but_not_make_a_key(client, auth, admin, org):
    """Attack: an Admin (below EnterpriseAdmin) replaces the key and so breaks, or takes
    over, the connection. Refused; the page stays readable."""
    sign_in_as(client, auth, org, OrgRole.ADMIN)
    page = client.get(API)
    assert page.status_code == 200 and "Create the key pair" not in page.text
    response = client.post(KEY, data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 403
    assert OktaConnection.get().api.oauth_public_jwk == ""


def test_making_a_key_needs_a_fresh_sign_in(admin_client):
    page = admin_client.get(API).text
    make_stale(admin_client)
    response = admin_client.post(KEY, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert OktaConnection.get().api.oauth_public_jwk == ""


def test_making_a_key_needs_the_csrf_token(admin_client):
    admin_client.get(API)
    assert admin_client.post(KEY, data={}).status_code == 400
    assert OktaConnection.get().api.oauth_public_jwk == ""


# --- no secret anywhere ---------------------------------------------------------------------


def test_no_key_token_or_assertion_in_logs_pages_or_rows(
    admin_client,
    app,
    okta,
    org,
    all_logs,  # noqa: F811
):
    """The private key, every access token Okta issued and every client assertion we sent:
    in no log line, no page, and nowhere in the database file in clear."""
    org.seat_limit = None
    org.save()
    connect_through_the_page(admin_client, okta)
    SyncSettings.update(app_id="0oascim").execute()
    okta.add_users(3)
    assert run_sync_now(app, org).status == "succeeded"
    pages = [
        admin_client.get(path).text
        for path in (API, "/integrations/okta/sync", "/team/audit", "/connect/okta/permissions")
    ]
    with app.app_context():
        private = service_app_keys.private_key(OktaConnection.get()).as_dict(private=True)
    secrets = {
        "private key": private["d"],
        **{f"access token {n}": t for n, t in enumerate(okta.oauth.issued)},
        **{f"assertion {n}": a for n, a in enumerate(okta.oauth.assertions)},
    }
    assert len(secrets) > 5
    logs, stored = "\n".join(all_logs), database_bytes(app)
    for name, secret in secrets.items():
        assert secret not in logs, f"{name} in the logs"
        assert all(secret not in page for page in pages), f"{name} on a page"
        assert secret.encode() not in stored, f"{name} in the database"


# --- in the browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_an_admin_connects_a_service_app_in_the_browser(page, live_server, admin, okta, screenshot):
    """Pick the recommended choice, create the key, copy the public JWK shown, paste it
    into 'Okta', type the client ID, save: every scope checked."""
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}{API}")
    page.get_by_label("Okta API Services app (recommended)").check()
    expect(page.get_by_label("Client ID")).to_be_visible()
    expect(page.locator("#api_token")).to_be_hidden()
    page.get_by_role("button", name="Create the key pair").click()
    jwk = json.loads(page.locator("#public-jwk").text_content())
    okta.add_service_app(jwk)
    page.get_by_label("Okta org URL").fill(okta.url)
    page.get_by_label("Client ID").fill(SERVICE_CLIENT_ID)
    page.get_by_role("button", name="Save and test connection").click()
    expect(page.get_by_text("Connection works.")).to_be_visible()
    expect(page.get_by_text("Read-only Admin", exact=True)).to_be_visible()
    screenshot("okta-api-service-app")
