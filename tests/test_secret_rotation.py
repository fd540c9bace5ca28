"""Key rotation as docs/operations.md tells it: add a key first, restart, `flask secrets
rotate`, `flask secrets check`, drop the old key, restart; secrets stay readable at
every step and an unknown key loses nothing."""

import pytest
from cryptography.fernet import Fernet

from tests.conftest import app_config
from wizard import create_app
from wizard.db import database
from wizard.domain import connections, organizations
from wizard.models import OktaConnection, SsoConfiguration
from wizard.security import encrypt_secret
from wizard.sso import configurations as sso_configurations
from wizard.sync.api_connection import client_for

OLD, NEW, STRANGER = (Fernet.generate_key().decode() for _ in range(3))


@pytest.fixture
def restart(tmp_path, app):
    """A new app process on the same database with other ENCRYPTION_KEYS."""
    url = app.config["DATABASE_URL"]

    def start(keys: str):
        if not database.is_closed():
            database.close()
        return create_app(app_config(tmp_path, url, ENCRYPTION_KEYS=keys))

    return start


def stored_secrets(app) -> dict:
    with app.app_context(), database.connection_context():
        connection = OktaConnection.get()
        configuration = SsoConfiguration.get()
        return {
            "client_secret": sso_configurations.secret_of(configuration),
            "api_token": client_for(connection).token,
            "raw": (configuration.client_secret, connection.api.token),
        }


def seed_secrets(app):
    with app.app_context(), database.connection_context():
        organization = organizations.create_organization("Acme", "acme", enterprise_enabled=True)
        connection = connections.ensure_connection(organization)
        SsoConfiguration.create(
            connection=connection,
            state="live",
            issuer="https://acme.okta.com",
            client_id="0oa1",
            client_secret=encrypt_secret("oidc-client-secret-value"),
        )
        connection.api.token = encrypt_secret("00okta-api-token-value")
        connection.api.org_url = "https://acme.okta.com"
        connection.save()


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["secrets", *args])


def test_documented_rotation_keeps_every_secret_readable(restart):
    before = restart(OLD)
    seed_secrets(before)
    raw_before = stored_secrets(before)["raw"]

    during = restart(f"{NEW},{OLD}")
    assert stored_secrets(during)["client_secret"] == "oidc-client-secret-value"
    check = invoke(during, "check")
    assert check.exit_code == 1
    assert "2 secret(s) still need an older key" in check.output

    rotated = invoke(during, "rotate")
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 2 secret(s)" in rotated.output
    assert invoke(during, "check").exit_code == 0

    after = restart(NEW)
    secrets_after = stored_secrets(after)
    assert secrets_after["client_secret"] == "oidc-client-secret-value"
    assert secrets_after["api_token"] == "00okta-api-token-value"
    assert all(new != old for new, old in zip(secrets_after["raw"], raw_before, strict=True))
    # Running it again is harmless (a rotation interrupted half-way is simply re-run).
    assert invoke(after, "rotate").exit_code == 0
    assert stored_secrets(after)["client_secret"] == "oidc-client-secret-value"


def test_rotation_without_the_old_key_changes_nothing(restart):
    before = restart(OLD)
    seed_secrets(before)
    raw_before = stored_secrets(before)["raw"]

    wrong = restart(STRANGER)
    result = invoke(wrong, "rotate")
    assert result.exit_code == 1
    assert "re-encrypted 0 secret(s)" in result.output
    assert "OktaApiConnection#" in result.output and "restore the old key" in result.output
    assert "oidc-client-secret-value" not in result.output

    with wrong.app_context(), database.connection_context():
        connection = OktaConnection.get()
        assert (SsoConfiguration.get().client_secret, connection.api.token) == raw_before
    assert stored_secrets(restart(OLD))["client_secret"] == "oidc-client-secret-value"
