"""SSO settings: field checks, the issuer's discovery document, storage of the secret."""

import pytest

from tests.conftest import verify_domain
from wizard.domain import connections
from wizard.domain import email_domains as domains
from wizard.models import OktaConnection
from wizard.sso import configurations as sso_configurations
from wizard.sso import settings as sso_settings
from wizard.sso.settings import SsoSettingsError


@pytest.mark.parametrize(
    ("typed", "issuer"),
    [
        ("acme.okta.com", "https://acme.okta.com"),
        ("https://acme.okta.com/", "https://acme.okta.com"),
        ("  ACME.okta.com ", "https://acme.okta.com"),
        ("https://acme.okta.com/oauth2/default", "https://acme.okta.com/oauth2/default"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9", "http://localhost:9"),
    ],
)
def test_issuer_from_what_admins_type(typed, issuer):
    assert sso_settings.issuer_from_input(typed) == issuer


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your Okta domain"),
        ("http://acme.okta.com", "must use https://"),
        ("acme okta", "not a valid domain"),
        ("ftp://acme.okta.com", "Enter a domain"),
        ("https://acme.okta.com/?x=1", "Enter a domain"),
    ],
)
def test_bad_domains(typed, message):
    with pytest.raises(SsoSettingsError, match=message) as error:
        sso_settings.issuer_from_input(typed)
    assert error.value.field == "okta_domain"


# The discovery server is on 127.0.0.1: these run in the development app, whose outbound
# rules allow loopback (outside an app the door applies production's rules).
@pytest.mark.usefixtures("app_context")
@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("/missing", "has no OpenID configuration (404)"),
        ("/notjson", "did not return JSON"),
        ("/mismatch", "calls itself 'https://elsewhere.example.com'"),
    ],
)
def test_discovery_failures_are_explained(discovery_server, suffix, message):
    with pytest.raises(SsoSettingsError) as error:
        sso_settings.fetch_discovery(discovery_server.url + suffix)
    assert message in error.value.message


@pytest.mark.usefixtures("app_context")
def test_discovery_timeout_is_explained(discovery_server):
    with pytest.raises(SsoSettingsError, match=r"did not answer within 0\.5 seconds"):
        sso_settings.fetch_discovery(discovery_server.url + "/slow", timeout=0.5)


@pytest.mark.usefixtures("app_context")
def test_tls_failure_is_explained(discovery_server):
    """Speaking TLS to a plain-HTTP port fails the handshake: a TLS message, not a crash."""
    https = discovery_server.url.replace("http://", "https://")
    with pytest.raises(SsoSettingsError, match=r"TLS certificate|Could not connect"):
        sso_settings.fetch_discovery(https)


@pytest.mark.usefixtures("app_context")
def test_nothing_listening_is_explained():
    with pytest.raises(SsoSettingsError, match="Could not connect"):
        sso_settings.fetch_discovery("http://127.0.0.1:1")


def test_save_encrypts_the_secret_and_keeps_it_when_left_empty(app, org, discovery_server):
    with app.app_context():
        connection = connections.ensure_connection(org)
        sso_settings.save_sso_settings(
            connection,
            okta_domain=discovery_server.url,
            client_id="0oa1abc",
            client_secret="s3cret-value-1234",
            email_domain="Acme.example.com",
        )
        stored = OktaConnection.get_by_id(connection.id)
        pending = stored.pending_sso
        assert pending.client_secret != "s3cret-value-1234"
        assert pending.client_secret_hint == "…1234"
        assert [c.domain for c in domains.claims_of(org)] == ["acme.example.com"]
        assert sso_configurations.secret_of(pending) == "s3cret-value-1234"
        sso_settings.save_sso_settings(
            stored,
            okta_domain=discovery_server.url,
            client_id="0oa1abc",
            client_secret="",
            email_domain="acme.example.com",
        )
        assert sso_configurations.secret_of(
            OktaConnection.get_by_id(connection.id).pending_sso
        ) == ("s3cret-value-1234")


def test_an_email_domain_belongs_to_one_organization(app, org, other_org, discovery_server):
    with app.app_context():
        mine = connections.ensure_connection(org)
        theirs = connections.ensure_connection(other_org)
        sso_settings.save_sso_settings(
            mine,
            okta_domain=discovery_server.url,
            client_id="a",
            client_secret=None,
            email_domain="acme.example.com",
        )
        verify_domain(org, "acme.example.com")  # a claim alone blocks nobody: a proof does
        with pytest.raises(SsoSettingsError, match="already belongs to another organization"):
            sso_settings.save_sso_settings(
                theirs,
                okta_domain=discovery_server.url,
                client_id="b",
                client_secret=None,
                email_domain="ACME.example.com",
            )


def test_secret_survives_key_rotation(app, org, discovery_server):
    """A new key first in ENCRYPTION_KEYS still reads secrets written with the old one."""
    from cryptography.fernet import Fernet

    with app.app_context():
        connection = connections.ensure_connection(org)
        sso_settings.save_sso_settings(
            connection,
            okta_domain=discovery_server.url,
            client_id="a",
            client_secret="rotate-me-please",
            email_domain="acme.example.com",
        )
        app.config["ENCRYPTION_KEYS"] = [
            Fernet.generate_key().decode(),
            *app.config["ENCRYPTION_KEYS"],
        ]
        assert sso_configurations.secret_of(
            OktaConnection.get_by_id(connection.id).pending_sso
        ) == ("rotate-me-please")
