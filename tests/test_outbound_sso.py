"""The OpenID side of the outbound door, attacked by a hostile provider (the crafted one):
endpoints on another origin, a redirect from the JWKS, a huge document, remote text; and
the contract that authlib's own requests (discovery, token, JWKS) pass the door."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests import test_sso
from tests.conftest import csrf_token
from tests.fakes.recorder import Recorder, discovery_document
from tests.test_sso import round_trip
from wizard import outbound
from wizard.models import AuditEvent, OktaConnection
from wizard.outbound.oauth import ENDPOINTS
from wizard.sso import settings as sso_settings
from wizard.sso.clients import SCOPES
from wizard.sso.settings import SsoSettingsError

PHISHING = "Your Okta tenant is locked. Call +1 555 0100 to verify your identity"
crafted, jane = test_sso.crafted, test_sso.jane  # the crafted provider and its member


@pytest.fixture
def elsewhere():
    server = Recorder().start()
    yield server
    server.stop()


def refusal_reason() -> str:
    return AuditEvent.get(AuditEvent.action == "sso.sign_in_refused").details["reason"]


def serve_document(server: Recorder, change=lambda document, issuer: None, status="200 OK"):
    """Make ``server`` answer discovery with a document ``change`` edits."""

    def answer(environ):
        document = discovery_document(environ)
        body = change(document, document["issuer"])
        body = document if body is None else body
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return status, [("Content-Type", "application/json")], data

    server.answer = answer


@pytest.mark.parametrize("endpoint", ENDPOINTS)  # the door's list: each of them
def test_discovery_endpoint_on_another_origin_is_refused(app, endpoint, elsewhere):
    """Each endpoint of the discovery document must be on the issuer's origin."""
    provider = Recorder().start()
    serve_document(
        provider, lambda document, issuer: document.update({endpoint: f"{elsewhere.url}/x"})
    )
    try:
        with app.app_context(), pytest.raises(SsoSettingsError) as error:
            sso_settings.fetch_discovery(provider.url)
    finally:
        provider.stop()
    assert "another server" in error.value.message and error.value.field == "okta_domain"
    assert elsewhere.requests == []


def test_an_oversized_discovery_document_is_refused(app, elsewhere):
    serve_document(
        elsewhere, lambda document, issuer: document | {"pad": "x" * 300_000}
    )  # over the 256 KB bound
    with app.app_context(), pytest.raises(SsoSettingsError) as error:
        sso_settings.fetch_discovery(elsewhere.url)
    assert "too large" in error.value.message


def test_a_redirect_from_discovery_is_not_followed(app, elsewhere):
    """A 302 from the issuer to a private address: refused, the target sees nothing."""
    redirector = Recorder().start()
    redirector.answer = lambda environ: (
        "302 Found",
        [("Location", "http://169.254.169.254/latest/meta-data")],
        b"",
    )
    try:
        with app.app_context(), pytest.raises(SsoSettingsError) as error:
            sso_settings.fetch_discovery(redirector.url)
    finally:
        redirector.stop()
    assert "redirect" in error.value.message


@pytest.mark.parametrize("status", ["500 Internal Server Error", f"403 {PHISHING}"])
def test_provider_error_text_is_not_echoed_on_the_sso_step(client, auth, admin, elsewhere, status):
    serve_document(elsewhere, lambda document, issuer: PHISHING.encode(), status=status)
    auth.login()
    page = client.get("/connect/okta/sso")
    response = client.post(
        "/connect/okta/sso",
        data={
            "okta_domain": elsewhere.url,
            "client_id": "0oa1abc",
            "client_secret": "s3cret-value-1234",
            "email_domain": "acme.example.com",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 400 and "answered" in response.text
    assert "555 0100" not in response.text and "locked" not in response.text


def test_sign_in_refuses_a_jwks_that_moved_to_another_origin(client, crafted, jane, elsewhere):
    """The configuration was checked when saved; a provider that later points its JWKS
    elsewhere gets no request there and the sign-in fails."""
    crafted.discovery_overrides = {"jwks_uri": f"{elsewhere.url}/jwks"}
    response = client.get("/login/okta/acme")
    assert response.status_code == 502
    assert client.get("/account").status_code == 302  # nobody signed in
    assert elsewhere.requests == [] and refusal_reason().startswith("outbound_refused")


def test_the_sign_in_sessions_talk_to_the_issuers_server_only(app, crafted, elsewhere):
    """Behind the document check, authlib's sessions refuse any other origin by themselves."""
    from wizard.outbound.oauth import session_class

    with app.app_context():
        session = session_class(None, crafted.base)()
        with pytest.raises(outbound.OutboundError) as refused:
            session.get(f"{elsewhere.url}/jwks", withhold_token=True)
        assert session.get(f"{crafted.base}/jwks", withhold_token=True).status_code == 200
        session.close()
    assert "not the issuer's server" in refused.value.message and elsewhere.requests == []


def test_sign_in_never_sends_the_browser_to_a_moved_authorization_endpoint(
    client, crafted, jane, elsewhere
):
    """The sign-in page is where members type their password: a document changed after
    the check cannot send them to another server."""
    crafted.discovery_overrides = {"authorization_endpoint": f"{elsewhere.url}/authorize"}
    response = client.get("/login/okta/acme")
    assert response.status_code == 502 and "Location" not in response.headers
    assert refusal_reason().startswith("outbound_refused")


def test_sign_out_never_redirects_to_a_moved_end_session_endpoint(client, crafted, jane, elsewhere):
    assert round_trip(client).status_code == 302
    crafted.discovery_overrides = {"end_session_endpoint": f"{elsewhere.url}/logout"}
    from wizard.sso import clients

    clients._built.clear()  # the metadata TTL passed: the document is loaded again
    response = client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").text)})
    assert response.status_code == 302 and not response.headers["Location"].startswith(
        elsewhere.url
    )
    assert client.get("/account").status_code == 302  # signed out here all the same


def test_sign_in_does_not_follow_a_redirect_from_the_jwks(client, crafted, jane, elsewhere):
    """The sign-in library followed redirects: a JWKS answering 302 to another address."""
    crafted.redirects = {"/jwks": f"{elsewhere.url}/latest/meta-data"}
    response = round_trip(client)
    assert response.status_code == 502
    assert elsewhere.requests == [] and refusal_reason().startswith("outbound_refused")


def test_authlib_discovery_passes_the_door(client, app, crafted, jane):
    """Contract: authlib's own discovery request goes through the door (with loopback off,
    starting a sign-in against the loopback provider is refused, nothing fetched)."""
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = False
    before = len(crafted.paths)
    response = client.get("/login/okta/acme")
    assert response.status_code == 502 and crafted.paths[before:] == []
    assert refusal_reason().startswith("outbound_refused")


def test_authlib_token_request_passes_the_door(client, app, crafted, jane):
    """Contract: the token request at the callback goes through the door too."""
    start = client.get("/login/okta/acme")
    assert start.status_code == 302
    app.config["OUTBOUND_ALLOW_LOOPBACK"] = False
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 502 and crafted.token_requests == []
    assert refusal_reason().startswith("outbound_refused")


def test_ipv6_loopback_issuer_keeps_its_brackets(app, org, db):
    """Issuer http://[::1]:port lost its brackets (http://::1:port) and broke every request."""
    assert sso_settings.issuer_from_input("http://[::1]:8080") == "http://[::1]:8080"
    provider = Recorder("::1").start()
    serve_document(provider)
    try:
        test_sso.configure(app, org, provider.url)
    finally:
        provider.stop()
    live = OktaConnection.get().live_sso
    assert live.issuer == provider.url and provider.url.startswith("http://[::1]:")


# --- the provider's document names endpoints, never how we connect ----------------------

# authlib hands every member of the discovery document to the HTTP session it builds for
# the token request: the requests settings among them (verify, proxies, hooks, trust_env,
# cert...) and the client's own (code_challenge_method, scope, client_id...).
CONNECTION_SETTINGS = {
    "verify": False,
    "trust_env": True,
    "cert": "/etc/ssl/private/none.pem",
    "proxies": {"http": "http://127.0.0.1:9", "https": "http://127.0.0.1:9"},
    "code_challenge_method": None,
    "token_endpoint_auth_method": "none",
    "scope": "openid email profile offline_access",
}


def test_the_providers_document_cannot_turn_off_tls_or_pkce(client, crafted, jane, monkeypatch):
    """Attack: the issuer's discovery document carries ``"verify": false`` (and a proxy,
    ``trust_env``, ``code_challenge_method: null``...). authlib copied them onto the
    session of the token exchange: TLS verification off for it, PKCE silently dropped,
    the client secret no longer sent. None of it may change how we connect."""
    sent = []
    real_send = outbound.transport.DoorAdapter.send

    def recording_send(self, request, **kwargs):
        sent.append((request.url, kwargs.get("verify")))
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(outbound.transport.DoorAdapter, "send", recording_send)
    crafted.discovery_overrides = CONNECTION_SETTINGS
    start = client.get("/login/okta/acme")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["scope"] == [SCOPES]
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    token_request = crafted.token_requests[-1]
    assert token_request["code_verifier"] and token_request["authorization"].startswith("Basic ")
    assert sent and all(verify is True for _, verify in sent), sent


@pytest.mark.parametrize(
    "member",
    [{"hooks": {"response": "x"}}, {"client_id": "0oa-other"}, {"update_token": "x"}],
    ids=["hooks", "client_id", "update_token"],
)
def test_a_document_naming_client_settings_is_not_a_500(client, crafted, jane, member):
    """A member of the document that collides with a client setting made authlib raise a
    TypeError: our sign-in answered 500. The document's other members are ignored."""
    crafted.discovery_overrides = member
    assert round_trip(client).status_code == 302
