"""The service app's keys and credentials, attacked: assertions, the key pair at rest
and replaced, another organization typing the same client ID, a hostile token endpoint;
switching between the service app and the API token, disconnecting, migration 022, and
the CLI. Against the emulator's org authorization server over real HTTP."""

import json

import pytest
from joserfc import jws

from tests.conftest import run_sync_now
from tests.fakes.okta_api import TOKEN
from tests.fakes.okta_oauth import SERVICE_CLIENT_ID
from tests.fakes.recorder import Recorder
from tests.test_okta_oauth import (  # noqa: F401 (fixtures)
    check_now,
    claims_of,
    empty_token_cache,
    new_key,
    oauth_org,
    service_app,
)
from wizard.domain.connections import ensure_connection
from wizard.models import (
    ApiAuth,
    OktaApiConnection,
    OktaConnection,
    SyncLease,
)
from wizard.sync import api_connection, service_app_keys
from wizard.sync.okta_api import OktaApiError

# --- the assertion, the proofs, the keys -------------------------------------------------


def test_assertions_are_short_lived_single_use_and_addressed_to_the_token_endpoint(
    app,
    oauth_org,  # noqa: F811
    okta,
):
    """RFC 7523 as Okta wants it: iss = sub = client ID, aud = {org}/oauth2/v1/token, exp
    within five minutes, a unique jti, signed with the key whose kid Okta holds."""
    check_now(app)
    kid = OktaConnection.get().api.oauth_key_id
    for assertion in okta.oauth.assertions:
        header = jws.extract_compact(assertion.encode()).headers()
        claims = claims_of(assertion)
        assert (header["alg"], header["kid"]) == ("RS256", kid)
        assert claims["iss"] == claims["sub"] == SERVICE_CLIENT_ID
        assert claims["aud"] == f"{okta.url}/oauth2/v1/token"
        assert 0 < claims["exp"] - claims["iat"] <= 300
    jtis = [claims_of(a)["jti"] for a in okta.oauth.assertions]
    assert len(jtis) > 4 and len(set(jtis)) == len(jtis)


def test_the_public_jwk_is_public_and_the_private_key_encrypted_at_rest(app, org, db):
    jwk = new_key(app, org)
    assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"} and jwk["alg"] == "RS256"
    connection = OktaConnection.get()
    assert connection.api.oauth_key_id == jwk["kid"]
    assert json.loads(connection.api.oauth_public_jwk) == jwk
    assert connection.api.oauth_private_key.startswith("gAAAA")  # Fernet
    with app.app_context():
        private = service_app_keys.private_key(connection)
    assert private.as_dict(private=True)["d"] not in connection.api.oauth_private_key


def test_key_rotation_rewrites_the_private_key_too(app, org, db):
    from cryptography.fernet import Fernet

    from wizard.domain import secret_rotation

    new_key(app, org)
    app.config["ENCRYPTION_KEYS"] = [Fernet.generate_key().decode(), *app.config["ENCRYPTION_KEYS"]]
    with app.app_context():
        assert secret_rotation.secrets_needing_old_keys() == [
            f"OktaApiConnection#{OktaApiConnection.get().id}.oauth_private_key"
        ]
        assert secret_rotation.rotate_secrets().rewritten == 1
        assert secret_rotation.secrets_needing_old_keys() == []
        assert service_app_keys.private_key(OktaConnection.get()) is not None


def test_a_cached_token_never_serves_another_organization(app, oauth_org, other_org, okta):  # noqa: F811
    """Globex types Acme's org URL and client ID (both are visible in Okta and no secret):
    neither its Test connection nor its sync gets Acme's cached tokens; its own key,
    unknown to Okta, is refused."""
    okta.add_users(2)
    assert run_sync_now(app, oauth_org).status == "succeeded"  # Acme's sync token: cached
    new_key(app, other_org)
    with app.app_context(), pytest.raises(api_connection.ApiSettingsError) as error:
        api_connection.save_service_app(ensure_connection(other_org), okta.url, SERVICE_CLIENT_ID)
    assert error.value.field == "client_id"
    globex = OktaConnection.get(OktaConnection.organization == other_org)
    assert globex.api.oauth_client_id == "" and not globex.api.last_check
    # Even set by hand, as if saved: the sync's client asks Okta, which refuses Globex.
    globex.api.auth, globex.api.org_url = ApiAuth.SERVICE_APP, okta.url
    globex.api.oauth_client_id = SERVICE_CLIENT_ID
    globex.save()
    with app.app_context(), pytest.raises(OktaApiError) as refused:
        api_connection.client_for(globex).get("/api/v1/users")
    assert refused.value.kind == "auth" and "invalid_client" in refused.value.message


def test_a_new_key_pair_drops_the_tokens_of_the_old_one(app, oauth_org, okta):  # noqa: F811
    """Replacing the key (it leaked): the tokens minted with the old key are not used,
    so the connection fails, sync included, until Okta holds the new public key."""
    okta.add_users(2)
    assert run_sync_now(app, oauth_org).status == "succeeded"  # a sync token is cached
    jwk = new_key(app, oauth_org)
    check = check_now(app)
    assert not check["ok"] and "public key" in check["results"]["users"]["message"]
    run = run_sync_now(app, oauth_org)
    assert run.status == "failed" and "invalid_client" in run.error
    okta.oauth.apps[SERVICE_CLIENT_ID].public_keys.append(jwk)
    assert check_now(app)["ok"]
    assert run_sync_now(app, oauth_org).status == "succeeded"


# --- a hostile token endpoint ---------------------------------------------------------------

PHISHING = "Your tenant is locked. Call +1 555 0100"


def token_answer(status: str, body: dict, headers=()):
    def answer(environ):
        if environ["PATH_INFO"] != "/oauth2/v1/token":
            return "200 OK", [("Content-Type", "application/json")], b"[]"
        return status, [("Content-Type", "application/json"), *headers], json.dumps(body).encode()

    return answer


@pytest.mark.parametrize(
    "status, body, headers",
    [
        ("400 Bad Request", {"error": "invalid_client", "error_description": PHISHING}, ()),
        ("400 Bad Request", {"error": PHISHING}, ()),
        ("200 OK", {"access_token": "a\r\nX-Evil: 1", "token_type": "Bearer"}, ()),
        ("200 OK", {"access_token": "abc", "token_type": "mac", "expires_in": 3600}, ()),
        ("200 OK", {"token_type": "Bearer", "expires_in": 3600}, ()),
        ("302 Found", {}, (("Location", "http://127.0.0.1:1/"),)),
        (
            "400 Bad Request",
            {"error": "use_dpop_nonce"},
            (("DPoP-Nonce", "x" * 5000),),
        ),
    ],
    ids=["description", "error", "crlf", "type", "no-token", "redirect", "huge-nonce"],
)
def test_a_hostile_token_endpoint_gets_a_clean_refusal(app, org, db, status, body, headers):
    """Whatever the token endpoint answers, the admin reads our sentence (never its text),
    nothing odd reaches a header, and the API is never called."""
    hostile = Recorder().start()
    hostile.answer = token_answer(status, body, headers)
    try:
        new_key(app, org)
        with app.app_context(), pytest.raises(api_connection.ApiSettingsError) as error:
            api_connection.save_service_app(OktaConnection.get(), hostile.url, SERVICE_CLIENT_ID)
    finally:
        hostile.stop()
    assert PHISHING not in error.value.message and "X-Evil" not in error.value.message
    assert {r["path"] for r in hostile.requests} == {"/oauth2/v1/token"}


def test_an_endless_lifetime_is_cached_for_an_hour_at_most(app, org, db):
    """A token endpoint saying expires_in: 10 years: the cache keeps it an hour, Okta's
    fixed lifetime, like any other."""
    hostile = Recorder().start()
    hostile.answer = token_answer(
        "200 OK", {"access_token": "abc", "token_type": "Bearer", "expires_in": 315_360_000}
    )
    now = [50_000.0]
    try:
        new_key(app, org)
        with app.app_context():
            connection = ensure_connection(org)
            connection.api.auth, connection.api.org_url = ApiAuth.SERVICE_APP, hostile.url
            connection.api.oauth_client_id = SERVICE_CLIENT_ID
            connection.save()
            for hours in (0, 0.5, 1.01):
                now[0] = 50_000.0 + hours * 3600
                api_connection.client_for(connection, clock=lambda: now[0]).get("/api/v1/users")
    finally:
        hostile.stop()
    assert [r["path"] for r in hostile.requests].count("/oauth2/v1/token") == 2


# --- switching, disconnecting, the CLI ---------------------------------------------------------


def test_switching_to_the_service_app_forgets_the_api_token(app, org, okta, db):
    with app.app_context():
        api_connection.save_api_settings(ensure_connection(org), okta.url, TOKEN)
    okta.add_service_app(new_key(app, org))
    with app.app_context():
        api_connection.save_service_app(OktaConnection.get(), okta.url, SERVICE_CLIENT_ID)
    connection = OktaConnection.get()
    assert connection.api.auth == ApiAuth.SERVICE_APP and connection.api.connected
    assert (connection.api.token, connection.api.token_hint) == ("", "")


def test_an_existing_token_connection_stays_a_token_connection(app, org, okta, db):
    with app.app_context():
        api_connection.save_api_settings(ensure_connection(org), okta.url, TOKEN)
    new_key(app, org)  # a key pair made, the service app never saved
    connection = OktaConnection.get()
    assert connection.api.auth == ApiAuth.TOKEN and connection.api.connected
    assert check_now(app)["ok"]


def test_migration_022_keeps_every_connection_a_token_connection(app, org, okta, db):
    """Migration 022 on a database holding a token connection: it stays one, token kept."""
    from wizard.db import migration_router, upgrade

    with app.app_context():
        api_connection.save_api_settings(ensure_connection(org), okta.url, TOKEN)
        stored = OktaConnection.get().api.token
        router = migration_router()
        # 022 and every later migration, rolled back newest first and applied again.
        later = router.done[router.done.index("022_okta_api_service_app") :]
        for _ in later:
            router.rollback()
        assert upgrade() == later
    connection = OktaConnection.get()
    assert (connection.api.auth, connection.api.token) == (ApiAuth.TOKEN, stored)
    assert connection.api.connected and connection.api.oauth_private_key == ""
    assert check_now(app)["ok"]


def test_a_run_queued_before_the_key_was_lost_fails_cleanly(app, oauth_org):  # noqa: F811
    """A queued run whose connection lost its key (disconnected meanwhile, or the
    ENCRYPTION_KEYS that read it are gone): one failed run saying why, lease released."""
    from datetime import datetime

    from wizard.sync import jobs, runs

    runs.queue(oauth_org, "manual")
    OktaApiConnection.update(oauth_private_key="not readable by any key").execute()
    with app.app_context():
        run = jobs.execute(runs.claim("test", datetime.utcnow()))
    assert run.status == "failed" and "key pair" in run.error
    assert SyncLease.get().owner == ""


def test_disconnect_forgets_the_service_app_key(app, oauth_org, admin):  # noqa: F811
    from wizard.domain.disconnect import disconnect

    with app.app_context():
        disconnect(oauth_org, confirm_name="Acme", actor=admin)
    connection = OktaConnection.get()
    assert (connection.api.oauth_private_key, connection.api.oauth_public_jwk) == ("", "")
    assert not connection.api.connected


def test_cli_prints_the_public_key_then_tests_saves_and_syncs(runner, app, org, okta, db):
    """First use makes the key pair and prints the public JWK to paste; once Okta holds it,
    the same command tests and saves, then ``sync run`` reads over OAuth."""
    okta.add_users(2)
    args = ["sync", "configure", "--org", "acme", "--org-url", okta.url]
    args += ["--oauth-client-id", SERVICE_CLIENT_ID, "--app-id", "0oascim"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "Public keys" in first.output and "run this command again" in first.output
    jwk = json.loads(first.output[first.output.index("{") : first.output.rindex("}") + 1])
    assert "d" not in jwk and jwk["kid"]
    assert OktaConnection.get().api.auth == ApiAuth.TOKEN  # nothing connected yet
    okta.add_service_app(jwk)
    second = runner.invoke(args=args)
    assert second.exit_code == 0, second.output
    assert "Okta API connected" in second.output and "Read-only Admin" in second.output
    assert "{" not in second.output  # the key is printed on first use only
    run = runner.invoke(args=["sync", "run", "--org", "acme"])
    line = json.loads(run.output.strip().splitlines()[-1])
    assert line["status"] == "succeeded" and line["created"] == 2


def test_cli_refuses_a_failing_service_app_and_saves_nothing(runner, app, org, okta, db):
    args = ["sync", "configure", "--org", "acme", "--org-url", okta.url]
    runner.invoke(args=[*args, "--oauth-client-id", SERVICE_CLIENT_ID])  # the key pair
    okta.add_service_app(json.loads(OktaConnection.get().api.oauth_public_jwk))
    okta.oauth.apps[SERVICE_CLIENT_ID].scopes.discard("okta.users.read")
    refused = runner.invoke(args=[*args, "--oauth-client-id", SERVICE_CLIENT_ID])
    assert refused.exit_code == 1
    assert "Okta API Scopes > Grant okta.users.read" in refused.output
    assert OktaConnection.get().api.oauth_client_id == ""


def test_tokens_and_keys_never_reach_the_cli_output(runner, app, org, okta, db):
    args = ["sync", "configure", "--org", "acme", "--org-url", okta.url]
    args += ["--oauth-client-id", SERVICE_CLIENT_ID]
    first = runner.invoke(args=args)
    with app.app_context():
        private = service_app_keys.private_key(OktaConnection.get()).as_dict(private=True)
    okta.add_service_app(json.loads(OktaConnection.get().api.oauth_public_jwk))
    output = first.output + runner.invoke(args=args).output
    secrets = [private["d"], *okta.oauth.issued, *okta.oauth.assertions]
    assert len(secrets) > 4 and not [s for s in secrets if s in output]
