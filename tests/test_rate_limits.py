"""Rate limits: sign-in, setup links, and failed SCIM authentication per (connection
key, client address); a valid token is never blocked; the answer says when to retry."""

import shutil

import pytest
import requests

from tests.conftest import LiveServer, app_config, csrf_token, issue_scim_client
from wizard import create_app
from wizard.extensions import limiter


@pytest.fixture
def limited_app(app, tmp_path, migrated_sqlite_template):
    """An app with limits on. Built after the default ``app`` on purpose: the limiter and
    the database proxy are process-wide, and the last app built configures them."""
    path = tmp_path / "limited.db"
    shutil.copy(migrated_sqlite_template, path)
    app = create_app(app_config(tmp_path, f"sqlite:///{path}", RATELIMIT_ENABLED=True))
    with app.app_context():
        limiter.reset()
    return app


def test_sign_in_is_limited_per_address_with_retry_after(limited_app, db, org):
    client = limited_app.test_client()
    token = csrf_token(client.get("/login").text)
    statuses = [
        client.post(
            "/login",
            data={
                "csrf_token": token,
                "email": "x@acme.example.com",
                "password": "wrong password!",
            },
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    limited = client.post(
        "/login",
        data={"csrf_token": token, "email": "x@acme.example.com", "password": "wrong password!"},
    )
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many attempts" in limited.text


def test_failed_scim_auth_is_limited_per_key_and_address_only(limited_app, org, other_org, db):
    server = LiveServer(limited_app).start()
    try:
        acme = issue_scim_client(limited_app, org, server.url)
        globex = issue_scim_client(limited_app, other_org, server.url)
        bad = {"Authorization": "Bearer stale-token"}
        codes = [
            requests.get(acme.base + "/Users", headers=bad, timeout=10).status_code
            for _ in range(21)
        ]
        assert codes[:20] == [401] * 20 and codes[20] == 429
        throttled = requests.get(acme.base + "/Users", headers=bad, timeout=10)
        assert throttled.json()["status"] == "429" and int(throttled.headers["Retry-After"]) > 0
        assert acme.get("/Users").status_code == 200  # the valid token is never blocked
        other = requests.get(globex.base + "/Users", headers=bad, timeout=10)
        assert other.status_code == 401  # another tenant's key is not throttled
    finally:
        server.stop()


def test_setup_link_guesses_are_limited_signed_in_or_not(limited_app, db, org):
    """Guessing setup-link tokens is limited per address (20 an hour), and asking a
    signed-in visitor first does not open a way around the limit."""
    from tests.conftest import PASSWORD, Auth
    from wizard.domain.accounts import create_local_admin
    from wizard.domain.roles import OrgRole

    create_local_admin(org, "admin@acme.example.com", PASSWORD, OrgRole.ENTERPRISE_ADMIN)
    client = limited_app.test_client()
    Auth(client).login()
    statuses = [client.get(f"/setup/okcl_guess{n}").status_code for n in range(21)]
    assert statuses[:20] == [410] * 20 and statuses[20] == 429
    assert client.get("/account").status_code == 200  # still signed in
