"""The Okta API over OAuth 2.0 (an API Services app, private_key_jwt, DPoP) against the
emulator's org authorization server, over real HTTP: Test connection per scope, the sync,
the access token's cache and refresh, DPoP nonce retries, wrong credentials. The keys and
their attacks, switching and the CLI: tests/test_okta_oauth_keys.py."""

import base64
import json

import pytest
from joserfc.jwk import RSAKey

from tests.conftest import run_sync_now
from tests.fakes.okta_oauth import SERVICE_CLIENT_ID
from wizard.domain.connections import ensure_connection
from wizard.models import (
    ApiAuth,
    Group,
    Member,
    OktaConnection,
    SyncSettings,
)
from wizard.sync import api_connection, oauth_tokens, service_app_keys
from wizard.sync.okta_api import OktaApiError

READ_SCOPES = {
    "okta.users.read",
    "okta.groups.read",
    "okta.apps.read",
    "okta.roles.read",
    "okta.schemas.read",
}


@pytest.fixture(autouse=True)
def empty_token_cache():
    """Access tokens are cached per process: each test starts without any."""
    oauth_tokens.TOKENS.clear()
    yield
    oauth_tokens.TOKENS.clear()


def new_key(app, organization) -> dict:
    with app.app_context():
        return service_app_keys.create_key_pair(ensure_connection(organization))


@pytest.fixture
def service_app(app, org, okta, db):
    """Acme's key pair, its public half registered on an API Services app in the emulator
    (what the admin pastes under General > Public keys)."""
    org.seat_limit = None
    org.save()
    return okta.add_service_app(new_key(app, org))


@pytest.fixture
def oauth_org(app, org, okta, service_app):
    """Acme connected through the service app, the SCIM app picked for the sync."""
    with app.app_context():
        check = api_connection.save_service_app(OktaConnection.get(), okta.url, SERVICE_CLIENT_ID)
    assert check["ok"], check
    SyncSettings.update(app_id="0oascim").execute()
    return org


def check_now(app) -> dict:
    with app.app_context():
        return api_connection.check_connection(OktaConnection.get())


def granted_tokens(okta) -> list[dict]:
    return [r for r in okta.oauth.token_requests if r["error"] is None]


def claims_of(compact: str) -> dict:
    part = compact.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# --- Test connection ---------------------------------------------------------------------


def test_test_connection_checks_each_scope_for_real_and_the_admin_role(app, oauth_org, okta):
    """One token per scope and the call that scope allows: users, groups, apps, and the
    service app's own admin roles (GET /oauth2/v1/clients/{id}/roles)."""
    oauth_tokens.TOKENS.clear()  # the tokens of the save are cached: fetched again here
    okta.oauth.token_requests.clear()
    check = check_now(app)
    assert check["ok"] and check["auth"] == ApiAuth.SERVICE_APP
    assert {key: r["scope"] for key, r in check["results"].items()} == {
        "users": "okta.users.read",
        "groups": "okta.groups.read",
        "apps": "okta.apps.read",
        "roles": "okta.roles.read",
    }
    assert sorted(r["scope"] for r in granted_tokens(okta)) == sorted(
        ["okta.users.read", "okta.groups.read", "okta.apps.read", "okta.roles.read"]
    )
    assert check["roles"] == ["Read-only Admin"]
    assert f"/oauth2/v1/clients/{SERVICE_CLIENT_ID}/roles" in okta.calls
    # The picker offers the apps people are assigned to, never the service app itself.
    assert {a["id"] for a in check["apps"]} == {"0oascim", "0oaoidc"}


def test_a_missing_scope_is_named_with_the_okta_menu_to_grant_it(app, oauth_org, okta):
    okta.oauth.apps[SERVICE_CLIENT_ID].scopes.discard("okta.groups.read")
    check = check_now(app)
    assert not check["ok"]
    assert [key for key, r in check["results"].items() if not r["ok"]] == ["groups"]
    assert (
        "Okta Admin Console > Applications > Applications > okta-connector sync > "
        "Okta API Scopes > Grant okta.groups.read"
    ) in check["results"]["groups"]["message"]


def test_a_missing_apps_scope_names_the_app_by_its_client_id(app, oauth_org, okta):
    """Without okta.apps.read the app's name cannot be read: the fix names its client ID."""
    okta.oauth.apps[SERVICE_CLIENT_ID].scopes.discard("okta.apps.read")
    message = check_now(app)["results"]["apps"]["message"]
    assert f"the API Services app with client ID {SERVICE_CLIENT_ID}" in message
    assert "Okta API Scopes > Grant okta.apps.read" in message


def test_an_app_without_an_admin_role_is_told_which_role_to_assign(app, oauth_org, okta):
    okta.oauth.apps[SERVICE_CLIENT_ID].roles = []
    check = check_now(app)
    assert not check["ok"] and not check["results"]["users"]["ok"]
    for key in ("users", "roles"):
        message = check["results"][key]["message"]
        assert "Admin roles" in message and "Read-only Administrator" in message


def test_a_super_admin_service_app_is_told_it_holds_more_than_it_needs(app, oauth_org, okta):
    okta.oauth.apps[SERVICE_CLIENT_ID].roles = [{"id": "ra1", "type": "SUPER_ADMIN"}]
    check = check_now(app)
    assert check["ok"] and "Read-only Administrator is enough" in check["roles_hint"]


# --- the sync ----------------------------------------------------------------------------


def test_sync_over_oauth_provisions_users_groups_and_app_assignments(app, oauth_org, okta):
    """The existing sync's shapes, read with DPoP-bound access tokens: one token for the
    whole run (after the nonce challenge), no API token anywhere."""
    okta.add_users(12)
    okta.add_users(2, start=50, assign=None)  # in Okta, not assigned to the app
    okta.add_group("00g1", "Engineering", ["00u000001", "00u000002"])
    okta.add_group("00g2", "Design", ["00u000002", "00u000003", "00u000004"])
    okta.oauth.token_requests.clear()
    run = run_sync_now(app, oauth_org)
    assert run.status == "succeeded", run.error
    assert run.counts["created"] == 12 and run.counts["groups_created"] == 2
    assert {g.display_name: g.memberships.count() for g in Group.select()} == {
        "Engineering": 2,
        "Design": 3,
    }
    assert Member.get(Member.okta_id == "00u000001").managed_by == "sync"
    assert len(granted_tokens(okta)) == 1
    assert granted_tokens(okta)[0]["scope"].split() == [
        "okta.users.read",
        "okta.groups.read",
        "okta.apps.read",
    ]
    assert OktaConnection.get().api.token == ""


def test_the_connector_asks_for_read_scopes_only(app, oauth_org, okta):
    """Least privilege: nothing it requests could change anything in Okta."""
    okta.add_users(2)
    run_sync_now(app, oauth_org)
    check_now(app)
    asked = {scope for r in okta.oauth.token_requests for scope in r["scope"].split()}
    assert asked and asked <= READ_SCOPES


def test_the_access_token_is_cached_until_shortly_before_expiry(app, oauth_org, okta):
    """Runs 50 minutes apart share Okta's one-hour token; a run in its last minute gets a
    new one before calling (no 401 on the way)."""
    now = [10_000.0]
    okta.oauth.token_requests.clear()
    with app.app_context():
        connection = OktaConnection.get()
        for minutes in (0, 50, 59.5):
            now[0] = 10_000.0 + minutes * 60
            client = api_connection.client_for(connection, clock=lambda: now[0])
            client.get("/api/v1/users", {"limit": 1})
    assert len(granted_tokens(okta)) == 2
    assert okta.oauth.refusals == []


def test_an_expired_access_token_is_refreshed_once(app, oauth_org, okta):
    okta.add_users(3)
    assert run_sync_now(app, oauth_org).status == "succeeded"
    okta.oauth.expire_tokens()  # Okta ended them before we expected
    okta.oauth.token_requests.clear()
    run = run_sync_now(app, oauth_org)
    assert run.status == "succeeded", run.error
    assert len(granted_tokens(okta)) == 1
    assert okta.oauth.refusals == ["invalid_token"]


def test_a_token_refused_again_after_refreshing_is_an_auth_error_not_a_loop(app, oauth_org, okta):
    okta.oauth.token_lifetime = 0  # every token is dead on arrival
    okta.oauth.token_requests.clear()
    with app.app_context(), pytest.raises(OktaApiError) as error:
        api_connection.client_for(OktaConnection.get()).get("/api/v1/users")
    assert error.value.kind == "auth" and "access token" in error.value.message
    assert len(okta.oauth.token_requests) <= 4


def test_dpop_nonce_retry_at_the_token_endpoint(app, service_app, okta):
    """The first token request is challenged (400 use_dpop_nonce + DPoP-Nonce); the retry
    carries the nonce and a new assertion, and later requests reuse the nonce."""
    okta.oauth.token_requests.clear()
    with app.app_context():
        api_connection.save_service_app(OktaConnection.get(), okta.url, SERVICE_CLIENT_ID)
    errors = [r["error"] for r in okta.oauth.token_requests]
    assert errors[0] == "use_dpop_nonce" and errors.count("use_dpop_nonce") == 1
    assert errors[1:] == [None] * (len(errors) - 1)
    jtis = [claims_of(a)["jti"] for a in okta.oauth.assertions]
    assert len(jtis) == len(set(jtis)) == len(errors)


def test_dpop_nonce_retry_at_the_api(app, oauth_org, okta):
    """The resource server asks for its own nonce (401 + WWW-Authenticate
    error="use_dpop_nonce" + DPoP-Nonce): answered once, then remembered."""
    okta.add_users(450)
    okta.oauth.require_api_nonce = True
    run = run_sync_now(app, oauth_org)
    assert run.status == "succeeded", run.error
    assert run.counts["created"] == 450
    assert okta.oauth.refusals == ["use_dpop_nonce"]


def test_a_server_that_always_wants_a_new_nonce_is_not_retried_forever(app, service_app, okta):
    okta.oauth.nonce_every_time = True
    okta.oauth.token_requests.clear()
    with app.app_context(), pytest.raises(api_connection.ApiSettingsError) as error:
        api_connection.save_service_app(OktaConnection.get(), okta.url, SERVICE_CLIENT_ID)
    assert "nonce" in error.value.message
    assert len(okta.oauth.token_requests) == 2


# --- wrong credentials -------------------------------------------------------------------


def test_a_wrong_client_id_is_refused_with_a_clear_message(app, service_app, okta):
    with app.app_context(), pytest.raises(api_connection.ApiSettingsError) as error:
        api_connection.save_service_app(OktaConnection.get(), okta.url, "0oanotthisone1234567")
    assert error.value.field == "client_id"
    assert "Client ID" in error.value.message and "Public keys" in error.value.message
    connection = OktaConnection.get()
    assert (connection.api.oauth_client_id, connection.api.org_url) == ("", "")


def test_a_key_okta_does_not_know_is_refused_and_nothing_is_saved(app, org, okta, db):
    """The admin pasted another key into Okta (or none): Okta says invalid_client."""
    stranger = RSAKey.generate_key(2048, parameters={"alg": "RS256", "use": "sig"}, auto_kid=True)
    okta.add_service_app(stranger.as_dict(private=False))
    new_key(app, org)
    with app.app_context(), pytest.raises(api_connection.ApiSettingsError) as error:
        api_connection.save_service_app(OktaConnection.get(), okta.url, SERVICE_CLIENT_ID)
    assert error.value.field == "client_id" and "public key" in error.value.message
    assert OktaConnection.get().api.auth == ApiAuth.TOKEN
    assert OktaConnection.get().api.oauth_client_id == ""


@pytest.mark.parametrize("client_id", ["", "0oa/../../api", "0oa 1", "x" * 200])
def test_a_malformed_client_id_is_refused_before_any_request(app, service_app, okta, client_id):
    okta.calls.clear()
    with app.app_context(), pytest.raises(api_connection.ApiSettingsError) as error:
        api_connection.save_service_app(OktaConnection.get(), okta.url, client_id)
    assert error.value.field == "client_id" and okta.calls == []


def test_the_service_app_needs_a_key_pair_first(app, org, okta, db):
    with app.app_context(), pytest.raises(api_connection.ApiSettingsError) as error:
        api_connection.save_service_app(ensure_connection(org), okta.url, SERVICE_CLIENT_ID)
    assert "key pair" in error.value.message and okta.calls == []
