"""What a provider says in an error never reaches our page (it goes to the log and the
audit details), and the OIDC callback is rate limited per client address."""

import logging
import shutil
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.conftest import LiveServer, app_config
from tests.fakes.crafted_op import CraftedProvider
from tests.test_sso import begin_test_sign_in, configure, make_jane, round_trip, verify_domain
from wizard import create_app
from wizard.db import database
from wizard.domain.organizations import create_organization
from wizard.extensions import limiter
from wizard.models import AuditEvent

HOSTILE_TEXTS = [
    "<script>alert('owned')</script>",
    "Your account is locked. Call +1 555 0100 and read us your password to unlock it.",
]


@pytest.fixture
def jane(org, db):
    return make_jane(org)


@pytest.fixture
def op(app, org, db):
    provider = CraftedProvider()
    server = LiveServer(provider).start()
    provider.base = server.url
    configure(app, org, server.url)
    verify_domain(org, "acme.example.com")
    yield provider
    server.stop()


def callback_with_error(client, error, description):
    start = client.get("/login/okta/acme")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    return client.get(
        f"/login/okta/acme/callback?error={quote(error)}"
        f"&error_description={quote(description)}&state={state}"
    )


def assert_not_shown(response, text):
    page = response.text
    for piece in (text, "owned", "555 0100", "read us your password"):
        assert piece not in page


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=["script", "phishing"])
@pytest.mark.parametrize("error", ["server_error", "access_denied", "<b>made-up</b>"])
def test_provider_error_text_never_reaches_our_page(client, op, caplog, error, text):
    """Attack: a provider answers the callback with an error whose description is
    script or a phishing sentence; we show our own fixed message, and keep its words
    for the log and the audit only."""
    with caplog.at_level(logging.INFO):
        response = callback_with_error(client, error, text)
    assert response.status_code in (400, 403)
    assert_not_shown(response, text)
    assert "made-up" not in response.text
    event = AuditEvent.get(AuditEvent.action == "sso.sign_in_refused")
    assert event.details["provider_description"] == text
    assert text in caplog.text


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=["script", "phishing"])
def test_token_endpoint_error_text_never_reaches_our_page(client, op, jane, text):
    """The same from the token endpoint (authlib's OAuthError carries the description)."""
    op.token_error = {"error": "invalid_grant", "error_description": text}
    response = round_trip(client)
    assert response.status_code == 400
    assert_not_shown(response, text)
    event = AuditEvent.get(AuditEvent.action == "sso.sign_in_refused")
    assert event.details["provider_description"] == text


def test_test_sign_in_error_text_never_reaches_the_wizard(client, auth, op, admin):
    """The wizard's test sign-in result lists our fixed message, not the provider's."""
    auth.login()
    start = begin_test_sign_in(client)
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    text = HOSTILE_TEXTS[1]
    client.get(
        f"/login/okta/acme/callback?error=weird&error_description={quote(text)}&state={state}"
    )
    assert_not_shown(client.get("/connect/okta/sso"), text)


@pytest.fixture
def limited_app(app, tmp_path, migrated_sqlite_template):
    """An app with rate limits on (built last: the limiter is process-wide)."""
    path = tmp_path / "limited.db"
    shutil.copy(migrated_sqlite_template, path)
    limited = create_app(app_config(tmp_path, f"sqlite:///{path}", RATELIMIT_ENABLED=True))
    with limited.app_context():
        limiter.reset()
    return limited


def test_callback_is_rate_limited_per_client_address(limited_app):
    """Callbacks are cheap to send and costly to answer (token exchange, JWKS): after
    the limit one address gets 429, another address still gets through."""
    provider = CraftedProvider()
    server = LiveServer(provider).start()
    try:
        with database.connection_context():
            organization = create_organization("Acme", "acme", enterprise_enabled=True)
            configure(limited_app, organization, server.url)
        client = limited_app.test_client()
        statuses = [
            client.get("/login/okta/acme/callback?code=x&state=forged").status_code
            for _ in range(21)
        ]
        assert statuses[:20] == [400] * 20 and statuses[20] == 429
        other = client.get(
            "/login/okta/acme/callback?code=x&state=forged",
            environ_base={"REMOTE_ADDR": "127.0.0.2"},
        )
        assert other.status_code == 400
    finally:
        server.stop()


def test_sign_in_starts_are_rate_limited_per_client_address(limited_app):
    """Each start stores a sign-in state for ten minutes: one address cannot fill the
    table; after the limit it gets 429, another address still starts."""
    provider = CraftedProvider()
    server = LiveServer(provider).start()
    try:
        with database.connection_context():
            organization = create_organization("Acme", "acme", enterprise_enabled=True)
            configure(limited_app, organization, server.url)
        client = limited_app.test_client()
        statuses = [client.get("/login/okta/acme").status_code for _ in range(31)]
        assert statuses[:30] == [302] * 30 and statuses[30] == 429
        other = client.get("/login/okta/acme", environ_base={"REMOTE_ADDR": "127.0.0.2"})
        assert other.status_code == 302
    finally:
        server.stop()
